"""The webqueue world on both backends; the site allows a loopback receiver."""

from __future__ import annotations

import pytest

from webaccount.conftest import world
from webqueue.conftest import World

__all__ = ["allowed", "world"]


@pytest.fixture
def allowed(world: World) -> World:
    app = world.site.app
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_allow": "127.0.0.1:8099"}
    )
    return world
