"""The connector's questions to a site, answered by the stand-in over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from confluence_site import ConfluenceSite, RunningSite, run_site
from signoff.connectors.confluence import api
from signoff.connectors.confluence.gate import SiteGate
from signoff.connectors.confluence.http import ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import parse_site_url
from signoff.outbound.allowlist import AllowList

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def running() -> Iterator[RunningSite]:
    site = ConfluenceSite()
    site.clock.set(START)
    with run_site(site) as served:
        yield served


def _http(running: RunningSite) -> ConfluenceHttp:
    site = running.site
    token = site.add_api_token(site.add_user("Ada Lovelace"))
    port = running.root.rsplit(":", 1)[1]
    return ConfluenceHttp(
        parse_site_url(running.site_url),
        Credentials("basic", token.token, token.email),
        gate=SiteGate(backoff_start=0.05),
        allow=AllowList.parse(f"127.0.0.1:{port}"),
    )


def test_a_space_is_found_by_its_key_and_a_missing_one_is_none(
    running: RunningSite,
) -> None:
    space = running.site.add_space("DOCS", "Documentation")
    http = _http(running)
    assert api.space_by_key(http, "DOCS") == api.RemoteSpace(
        space.id, "DOCS", "Documentation"
    )
    assert api.space_by_key(http, "NOPE") is None
    api.check_credentials(http)


def test_pages_changed_stop_at_the_moment_asked_and_carry_their_bodies(
    running: RunningSite,
) -> None:
    site = running.site
    ada = site.add_user("Ada")
    space = site.add_space("DOCS")
    old = site.add_page(space, "Old", "<p>old</p>", author=ada)
    site.clock.advance(hours=2)
    fresh = site.add_page(space, "Fresh", "<p>new</p>", author=ada)
    site.clock.advance(minutes=5)
    site.edit_page(old, body="<p>old, edited</p>", author=ada, message="fix")
    http = _http(running)
    since = START + timedelta(hours=1)
    changed = list(api.pages_changed(http, space.id, since))
    assert [(p.id, p.version.number) for p in changed] == [(old.id, 2), (fresh.id, 1)]
    assert changed[0].body == "<p>old, edited</p>"
    assert changed[0].version.message == "fix"
    assert changed[0].version.author_account == ada.account_id
    assert changed[0].version.created_at == START + timedelta(hours=2, minutes=5)


def test_pages_by_id_reads_many_at_once_and_tells_a_trashed_one(
    running: RunningSite,
) -> None:
    site = running.site
    space = site.add_space("DOCS")
    pages = site.add_pages(space, 300)
    site.trash_page(pages[0])
    http = _http(running)
    found = {p.id: p for p in api.pages_by_id(http, [p.id for p in pages])}
    assert len(found) == 300
    assert found[pages[0].id].status == "trashed"
    assert http.calls.made == 2  # 250 ids, then 50


def test_an_old_version_is_read_with_its_body(running: RunningSite) -> None:
    site = running.site
    space = site.add_space("DOCS")
    page = site.add_page(space, "Runbook", "<p>one</p>")
    site.edit_page(page, body="<p>two</p>")
    http = _http(running)
    first = api.page_at_version(http, page.id, 1)
    assert first is not None and first.body == "<p>one</p>"
    assert first.version.number == 1
    assert api.page_at_version(http, "999999999", 1) is None
