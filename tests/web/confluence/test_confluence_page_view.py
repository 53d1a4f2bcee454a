"""A Confluence page in the web UI: it links to Confluence and says when Signoff
last read it, offers no editor of its own, is read from Confluence when someone
presses "Request approval", and shows what changed since the approved version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.records import Page as RemotePage
from confluence_site.records import User as RemoteUser
from factories import by, make_user, make_workflow, step
from signoff.actions.approvals import do_record_decision
from signoff.actions.confluence.accounts import do_map_accounts
from signoff.actions.confluence.polling import SiteReach, run_pass
from signoff.actions.confluence.sites import (
    check_new_site,
    do_add_site,
    do_link_space,
    find_remote_space,
    new_site,
)
from signoff.actions.spaces import do_add_member
from signoff.connectors.confluence.connect import site_http
from signoff.db.models import ApprovalRequest, Page, Space, User
from signoff.domain.states import DecisionKind, Origin, Role
from web.conftest import World, csrf


@dataclass
class Scene:
    world: World
    running: RunningSite
    author: RemoteUser
    remote: RemotePage
    reach: SiteReach

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site

    def sync(self) -> None:
        run_pass(self.world.db, self.reach, clock=self.world.clock)

    def url(self) -> str:
        return f"/spaces/CONF/pages/{self.remote.id}"


@pytest.fixture
def scene(world: World) -> Iterator[Scene]:
    site = ConfluenceSite()
    site.clock.set(world.clock())
    author = site.add_user("Ada Lovelace")
    token = site.add_api_token(site.add_user("Signoff Bot"))
    space = site.add_space("DOCS", "Documentation")
    remote = site.add_page(space, "Runbook", "<p>Restart once.</p>", author=author)
    with run_site(site) as running:
        app = world.site.app
        port = running.root.rsplit(":", 1)[1]
        app.state.settings = app.state.settings.model_copy(
            update={"confluence_allow": f"127.0.0.1:{port}"}
        )
        reach = SiteReach(
            app.state.secret_key, app.state.settings.confluence_allow_list
        )
        asked = new_site("acme", running.site_url, email=token.email, token=token.token)
        web_base = check_new_site(asked, allow=reach.allow)
        with world.db.write() as s:
            row = do_add_site(
                s,
                asked,
                web_base=web_base,
                site_key=reach.site_key,
                **by(None, Origin.cli),
            )
            http = site_http(row, site_key=reach.site_key, allow=reach.allow)
            found = find_remote_space(http, "DOCS")
            link = do_link_space(s, row, found, "CONF", **by(None, Origin.cli))
            conf = s.get_one(Space, link.space_id)
            people = {
                r: s.get_one(User, world.ids[r])
                for r in ("admin", "editor", "approver")
            }
            do_add_member(s, conf, people["admin"], Role.admin, **by(None, Origin.cli))
            do_add_member(
                s, conf, people["editor"], Role.editor, **by(None, Origin.cli)
            )
            do_add_member(
                s, conf, people["approver"], Role.viewer, **by(None, Origin.cli)
            )
            make_workflow(
                s, conf, people["admin"], [step(people["approver"])], space_default=True
            )
            make_user(s, "ada")
            do_map_accounts(
                s, row, [(author.account_id, "ada")], **by(None, Origin.cli)
            )
        made = Scene(world, running, author, remote, reach)
        made.sync()
        yield made


def test_a_confluence_page_links_to_confluence_and_offers_no_editor(
    scene: Scene,
) -> None:
    shown = scene.world.browser("editor").get(scene.url())

    assert shown.status_code == 200
    html = shown.text
    view = f"{scene.running.site_url}/pages/viewpage.action?pageId={scene.remote.id}"
    expected = f'href="{view}"'
    assert expected in html
    assert "Open in Confluence" in html
    assert "Kept in Confluence; read " in html
    assert ">Edit</a>" not in html
    assert "Restart once." in html


def test_request_approval_reads_the_page_from_confluence_first(scene: Scene) -> None:
    scene.site.edit_page(
        scene.remote, body="<p>Restart twice.</p>", author=scene.author
    )
    editor = scene.world.browser("editor")
    form = {"csrf_token": csrf(editor.get(scene.url()).text)}

    sent = editor.post(scene.url() + "/submit", data=form)

    assert sent.status_code == 303
    with scene.world.db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == scene.remote.id))
        assert page is not None
        request = s.get_one(ApprovalRequest, page.latest_request_id)
        assert (request.page_version, request.status) == (2, "pending")


def test_a_review_shows_what_changed_since_the_approved_version(scene: Scene) -> None:
    editor = scene.world.browser("editor")
    editor.post(
        scene.url() + "/submit", data={"csrf_token": csrf(editor.get(scene.url()).text)}
    )
    with scene.world.db.write() as s:
        page = s.scalar(select(Page).where(Page.external_id == scene.remote.id))
        assert page is not None
        do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=1,
            comment=None,
            **by(s.get_one(User, scene.world.ids["approver"]), now=scene.world.clock()),
        )
    scene.site.edit_page(
        scene.remote, body="<p>Restart twice.</p>", author=scene.author
    )
    editor.post(
        scene.url() + "/submit", data={"csrf_token": csrf(editor.get(scene.url()).text)}
    )

    html = scene.world.browser("approver").get(scene.url()).text

    assert "Changes since the approved version 1" in html
    assert "version 1 → version 2" in html
    # The words that changed, marked in the rendered page.
    assert "<p>Restart <del>once.</del> <ins>twice.</ins></p>" in html
