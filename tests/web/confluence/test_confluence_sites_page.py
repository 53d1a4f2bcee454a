"""The Confluence sites page for site administrators, through the real app: connect
a site (its credentials checked with one call, never echoed), link a space, and
read each site's health and each link's last pass, watermark and last error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.records import ApiToken
from factories import by
from oauth.support import Browser
from signoff.actions.confluence.polling import SiteReach, run_pass
from signoff.actions.sessions import do_sign_in
from signoff.db.models import AuditEvent, ConfluenceSpaceLink, User
from signoff.db.models import ConfluenceSite as SiteRow
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import World, csrf

PATH = "/admin/confluence"


@dataclass
class Scene:
    world: World
    running: RunningSite
    token: ApiToken
    admin: Browser

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site

    def connect(self, **fields: str) -> httpx.Response:
        form = {
            "csrf_token": csrf(self.admin.get(PATH).text),
            "name": "acme",
            "url": self.running.site_url,
            "auth": "token",
            "email": self.token.email,
            "token": self.token.token,
            **fields,
        }
        return self.admin.post(PATH + "/sites", data=form)

    def link(
        self, confluence_space: str = "DOCS", space: str = "HANDBOOK"
    ) -> httpx.Response:
        form = {
            "csrf_token": csrf(self.admin.get(PATH).text),
            "site": "acme",
            "confluence_space": confluence_space,
            "space": space,
        }
        return self.admin.post(PATH + "/links", data=form)

    def run_pass(self) -> None:
        app = self.world.site.app
        reach = SiteReach(
            app.state.secret_key, app.state.settings.confluence_allow_list
        )
        run_pass(self.world.db, reach, clock=self.site.clock.now)


def site_admin(world: World) -> Browser:
    with world.db.write() as session:
        user = session.get(User, world.ids["viewer"])
        assert user is not None
        user.is_site_admin = True
        secret = do_sign_in(session, user, **by(None, now=world.clock())).secret
    browser = world.site.browser()
    browser.client.cookies.set(SESSION_COOKIE, secret)
    return browser


@pytest.fixture
def scene(world: World) -> Iterator[Scene]:
    site = ConfluenceSite()
    token = site.add_api_token(site.add_user("Signoff Bot"))
    site.add_space("DOCS", "Documentation")
    with run_site(site) as running:
        app = world.site.app
        port = running.root.rsplit(":", 1)[1]
        app.state.settings = app.state.settings.model_copy(
            update={"confluence_allow": f"127.0.0.1:{port}"}
        )
        yield Scene(world, running, token, site_admin(world))


def test_a_site_admin_connects_a_site_and_links_a_space(scene: Scene) -> None:
    empty = scene.admin.get(PATH)
    assert empty.status_code == 200
    assert "No Confluence site is connected yet." in empty.text
    assert 'type="password" id="site-token"' in empty.text

    added = scene.connect()

    assert added.status_code == 303
    assert added.headers["location"] == PATH + "?done=site"
    page = scene.admin.get(added.headers["location"])
    assert "Site connected" in page.text
    assert "acme" in page.text and scene.running.site_url in page.text
    assert f"the API token of {scene.token.email}" in page.text
    assert "Unchecked" in page.text
    assert scene.token.token not in page.text
    linked = scene.link()
    assert linked.status_code == 303
    shown = scene.admin.get(linked.headers["location"]).text
    assert "Space linked" in shown
    assert '<a href="/spaces/HANDBOOK">HANDBOOK</a>' in shown
    with scene.world.db.read() as s:
        row = s.scalars(select(SiteRow)).one()
        link = s.scalars(select(ConfluenceSpaceLink)).one()
        events = s.execute(
            select(AuditEvent.action, AuditEvent.origin).where(
                AuditEvent.action.like("confluence.%")
            )
        ).all()
    assert scene.token.token not in row.sealed_secret
    assert link.confluence_space_key == "DOCS"
    assert events == [
        ("confluence.site_added", "ui"),
        ("confluence.space_linked", "ui"),
    ]


def test_a_bearer_token_connects_through_the_gateway_address(scene: Scene) -> None:
    bearer = scene.site.add_bearer_token(scene.site.add_user("App"))

    added = scene.connect(
        url=scene.running.gateway_url,
        auth="bearer",
        email="",
        token="",
        bearer=bearer.token,
    )

    assert added.status_code == 303
    page = scene.admin.get(PATH).text
    assert "a bearer token" in page
    assert bearer.token not in page


def test_a_wrong_token_is_refused_in_the_sites_words_and_never_echoed(
    scene: Scene,
) -> None:
    refused = scene.connect(token="ATATT-wrong-token")

    assert refused.status_code == 400
    assert "The site refused the credentials" in refused.text
    assert "Client must be authenticated to access this resource." in refused.text
    assert "ATATT-wrong-token" not in refused.text
    assert scene.token.email in refused.text  # the fields to correct come back
    assert refused.headers["cache-control"] == "no-store"
    with scene.world.db.read() as s:
        assert s.scalars(select(SiteRow)).all() == []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "Not A Name"}, "name must be"),
        ({"url": "ftp://acme.example/wiki"}, "https"),
        ({"email": ""}, "An API token needs the email of its account."),
        ({"token": "  "}, "The token is empty."),
        ({"auth": "bearer"}, "The bearer is empty."),
    ],
)
def test_bad_site_fields_are_shown_on_the_form_and_nothing_is_called(
    scene: Scene, fields: dict[str, str], words: str
) -> None:
    refused = scene.connect(**fields)

    assert refused.status_code == 400
    assert words in refused.text
    assert scene.site.log.records() == []
    assert scene.token.token not in refused.text


def test_a_space_key_the_site_lacks_is_shown_on_the_link_form(scene: Scene) -> None:
    scene.connect()

    refused = scene.link(confluence_space="NOPE")

    assert refused.status_code == 404
    assert "The site has no space NOPE" in refused.text
    assert 'value="NOPE"' in refused.text
    with scene.world.db.read() as s:
        assert s.scalars(select(ConfluenceSpaceLink)).all() == []


def test_a_healthy_site_shows_each_links_last_pass_and_watermark(scene: Scene) -> None:
    scene.connect()
    scene.link()
    scene.site.clock.advance(minutes=3)

    scene.run_pass()

    page = scene.admin.get(PATH).text
    assert "Healthy" in page
    now = scene.site.clock.now().strftime("%Y-%m-%d %H:%M UTC")
    row = page.split('<table class="list confluence-links">')[1]
    assert row.count(now) >= 1  # the last pass
    assert "never" not in row


def test_a_failing_site_shows_since_when_and_its_last_error(scene: Scene) -> None:
    scene.connect()
    scene.link()
    scene.site.revoke(scene.token)

    scene.run_pass()

    page = scene.admin.get(PATH).text
    assert "Failing</span> since" in page
    assert "(1 failed pass)" in page
    assert "Last error:" in page and "Client must be authenticated" in page
    assert scene.token.token not in page


def test_a_site_held_by_its_rate_limit_shows_until_when(scene: Scene) -> None:
    scene.connect()
    scene.link()
    scene.site.faults.rate_limit(1, retry_after=3600)

    scene.run_pass()

    page = scene.admin.get(PATH).text
    assert "Held</span> until" in page
    assert "nothing is sent to it before then" in page


def test_only_site_admins_see_the_page_or_make_the_server_call_a_site(
    scene: Scene,
) -> None:
    world = scene.world
    assert "/admin/confluence" in scene.admin.get("/spaces").text
    for role in ("admin", "editor", "approver", "outsider"):
        browser = world.browser(role)
        assert browser.get(PATH).status_code == 403, role
        assert "/admin/confluence" not in browser.get("/spaces").text
        token = csrf(browser.get("/spaces").text)
        posted = browser.post(
            PATH + "/sites",
            data={
                "csrf_token": token,
                "name": "acme",
                "url": scene.running.site_url,
                "auth": "token",
                "email": scene.token.email,
                "token": scene.token.token,
            },
        )
        assert posted.status_code == 403, role
    assert scene.site.log.records() == []
    forged = scene.admin.post(PATH + "/sites", data={"name": "acme"})
    assert forged.status_code == 403
    assert world.site.browser().get(PATH).status_code == 303
    with world.db.read() as s:
        assert s.scalars(select(SiteRow)).all() == []
        denied = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.denied")
        ).all()
    assert len(denied) >= 4
