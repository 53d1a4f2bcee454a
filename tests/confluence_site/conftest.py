"""Fixtures: a fresh site per test, served on loopback, with one person, a classic
API token on the site form and a bearer token on the gateway form."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from confluence_site import ConfluenceSite, run_site
from confluence_site.support import World


@pytest.fixture
def world() -> Iterator[World]:
    site = ConfluenceSite()
    ada = site.add_user("Ada Lovelace")
    space = site.add_space("DOCS", "Documentation")
    page = site.add_page(space, "Runbook", "<p>Restart the service.</p>", author=ada)
    with run_site(site) as running:
        yield World(
            running,
            ada,
            site.add_api_token(ada),
            site.add_bearer_token(ada),
            space,
            page,
        )


@pytest.fixture
def client(world: World) -> Iterator[httpx.Client]:
    """Basic `email:token` on the site form, `http://127.0.0.1:PORT/wiki`."""
    with httpx.Client(
        base_url=world.running.site_url, auth=(world.token.email, world.token.token)
    ) as made:
        yield made


@pytest.fixture
def gateway(world: World) -> Iterator[httpx.Client]:
    """The bearer token on the gateway form, `.../ex/confluence/CLOUDID/wiki`."""
    headers = {"Authorization": f"Bearer {world.bearer.token}"}
    with httpx.Client(base_url=world.running.gateway_url, headers=headers) as made:
        yield made
