"""Calls to a Confluence site over real HTTP, against the stand-in on loopback.

Both base forms, cursors walked to the end, the site's pace kept after a 429 (no
call before its Retry-After), reads retried after a lost connection or a 503,
writes never retried blindly, refused credentials told in the site's words, and
the outbound URL policy applied to the site's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.records import Space, User
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited, SiteGate
from signoff.connectors.confluence.http import ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import parse_site_url
from signoff.outbound.allowlist import AllowList


@dataclass
class Scene:
    running: RunningSite
    ada: User
    space: Space
    basic: Credentials
    bearer: Credentials

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site

    def http(
        self,
        *,
        gateway: bool = False,
        gate: SiteGate | None = None,
        allow: str = "",
        credentials: Credentials | None = None,
    ) -> ConfluenceHttp:
        url = self.running.gateway_url if gateway else self.running.site_url
        port = url.split(":")[2].split("/")[0]
        return ConfluenceHttp(
            parse_site_url(url),
            credentials or (self.bearer if gateway else self.basic),
            gate=gate or SiteGate(backoff_start=0.05),
            allow=AllowList.parse(allow or f"127.0.0.1:{port}"),
        )


@pytest.fixture
def scene() -> Iterator[Scene]:
    site = ConfluenceSite()
    ada = site.add_user("Ada Lovelace")
    space = site.add_space("DOCS", "Documentation")
    token = site.add_api_token(ada)
    bearer = site.add_bearer_token(ada)
    with run_site(site) as running:
        yield Scene(
            running,
            ada,
            space,
            Credentials("basic", token.token, token.email),
            Credentials("bearer", bearer.token),
        )


@pytest.mark.parametrize("gateway", [False, True], ids=["site", "gateway"])
def test_a_long_list_is_walked_to_its_end_on_either_base_form(
    scene: Scene, gateway: bool
) -> None:
    made = scene.site.add_pages(scene.space, 600)
    http = scene.http(gateway=gateway)
    seen = [
        page["id"]
        for page in http.walk(
            f"/api/v2/spaces/{scene.space.id}/pages", {"depth": "all"}
        )
    ]
    assert set(seen) >= {page.id for page in made}
    assert len(seen) == len(set(seen))
    assert http.calls.made == 3  # 250 + 250 + the rest, homepage included


def test_a_429_holds_every_call_until_its_retry_after_and_loses_nothing(
    scene: Scene,
) -> None:
    scene.site.faults.rate_limit(2, retry_after=1)
    gate = SiteGate(backoff_start=0.05)
    http = scene.http(gate=gate)
    body = http.get("/api/v2/spaces", {"keys": "DOCS"})
    assert [space["key"] for space in body["results"]] == ["DOCS"]
    assert scene.site.log.early_requests() == []
    assert scene.site.log.count("GET", "/api/v2/spaces") == 3
    assert gate.waited > 0  # the gate held the calls back, not luck


def test_a_retry_after_as_an_http_date_is_honoured(scene: Scene) -> None:
    scene.site.faults.rate_limit(1, retry_after=1, as_http_date=True)
    http = scene.http()
    http.get("/api/v2/spaces")
    assert scene.site.log.early_requests() == []


def test_a_read_is_retried_after_a_lost_connection_and_a_503(scene: Scene) -> None:
    scene.site.faults.reset_connection(count=1)
    scene.site.faults.unavailable(1, retry_after=None)
    http = scene.http()
    assert http.get("/api/v2/spaces")["results"]
    assert scene.site.log.count("GET", "/api/v2/spaces") == 3


def test_a_write_is_not_retried_after_an_unclear_failure(scene: Scene) -> None:
    page = scene.site.add_page(scene.space, "Runbook", "<p>x</p>", author=scene.ada)
    scene.site.faults.unavailable(1, retry_after=None, path="footer-comments")
    http = scene.http()
    with pytest.raises(ConfluenceError) as failed:
        http.post(
            "/api/v2/footer-comments",
            {
                "pageId": page.id,
                "body": {"representation": "storage", "value": "<p>hi</p>"},
            },
        )
    assert failed.value.status == 503
    assert scene.site.log.count("POST", "/api/v2/footer-comments") == 1
    assert scene.site.comments_on(page) == []


def test_a_write_refused_by_a_429_is_sent_again_after_the_pause(scene: Scene) -> None:
    page = scene.site.add_page(scene.space, "Runbook", "<p>x</p>", author=scene.ada)
    scene.site.faults.rate_limit(1, retry_after=1, path="footer-comments")
    http = scene.http()
    answer = http.post(
        "/api/v2/footer-comments",
        {
            "pageId": page.id,
            "body": {"representation": "storage", "value": "<p>hi</p>"},
        },
    )
    assert answer.status == 201
    assert len(scene.site.comments_on(page)) == 1
    assert scene.site.log.early_requests() == []


def test_a_long_hold_ends_the_pass_instead_of_waiting(scene: Scene) -> None:
    scene.site.faults.rate_limit(1, retry_after=1847)
    http = scene.http(gate=SiteGate(longest_wait=60))
    with pytest.raises(RateLimited):
        http.get("/api/v2/spaces")
    assert scene.site.log.count() == 1


def test_refused_credentials_are_told_once_in_the_sites_words(scene: Scene) -> None:
    revoked = Credentials("basic", "not-the-token", scene.basic.email)
    http = scene.http(credentials=revoked)
    with pytest.raises(ConfluenceError) as refused:
        http.get("/api/v2/spaces")
    assert refused.value.status == 401 and refused.value.is_auth
    assert "not-the-token" not in str(refused.value)
    assert scene.site.log.count() == 1


def test_a_bearer_token_on_the_site_form_is_refused(scene: Scene) -> None:
    on_site = scene.http(credentials=scene.bearer)
    with pytest.raises(ConfluenceError) as refused:
        on_site.get("/api/v2/spaces")
    assert refused.value.status == 401


def test_the_outbound_policy_refuses_a_loopback_site_not_allowed(scene: Scene) -> None:
    http = scene.http(allow="10.9.9.9")
    with pytest.raises(ConfluenceError) as refused:
        http.get("/api/v2/spaces")
    assert refused.value.status == 0
    assert "site address is refused" in refused.value.message
    assert scene.site.log.count() == 0


def test_credentials_never_show_in_repr() -> None:
    secret = Credentials("basic", "ATATT3-secret", "ada@example.com")
    assert "ATATT3-secret" not in repr(secret)
