"""Fixtures: a stand-in Confluence site on loopback (`running`), and that site
governed by the test's database (`gov`, see `governed`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confluence.governed import Governed, governed
from confluence_site import ConfluenceSite, RunningSite, run_site
from signoff.db.session import Database


@pytest.fixture
def running() -> Iterator[RunningSite]:
    with run_site(ConfluenceSite()) as served:
        yield served


@pytest.fixture
def gov(db: Database, running: RunningSite) -> Governed:
    return governed(db, running)
