"""The reference product's pipeline story, unchanged, against Confluence pages.

A pipeline edits seven pages in Confluence, then, over Signoff's REST API, bundles
them by their Confluence page ids in a change set, preflights and bulk-submits; an
approver decides in Signoff; Confluence shows the comment threads and the property;
edits made in Confluence afterwards keep the approval (whitespace only), make the set
stale, and supersede a pending review, each at the next pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.support import AppClient
from confluence.governed import SITE_KEY, Governed, governed
from confluence_site import RunningSite
from confluence_site.records import Page as RemotePage
from factories import by, make_user, make_workflow, step
from signoff.actions.site import do_set_api_enabled
from signoff.actions.spaces import do_add_member
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import Space
from signoff.domain.states import Origin, Role
from signoff.notify.confluence_writes import deliver_confluence_writes

KEY = "signoff-approval"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BODY = "<p>Step one.</p>\n<p>Step two.</p>"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, running: RunningSite) -> Settings:
    port = running.root.rsplit(":", 1)[1]
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        secret_key=SITE_KEY,
        base_url="https://signoff.example.com",
        confluence_allow=f"127.0.0.1:{port}",
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[AppClient]:
    client = AppClient(create_app(settings))
    yield client
    client.close()


class Story:
    def __init__(self, api: AppClient, settings: Settings, gov: Governed) -> None:
        self.api, self.settings, self.gov = api, settings, gov
        self.tokens: dict[str, str] = {}

    def call(self, path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.api.post(path, token=self.tokens[who], json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def detail(self, change_set_id: str) -> dict[str, Any]:
        answer = self.api.get(
            "/api/v1/changeSets/detail",
            token=self.tokens["bob"],
            params={"changeSetId": change_set_id},
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()["changeSet"]
        return result

    def write_back(self) -> int:
        return deliver_confluence_writes(
            self.gov.db,
            self.settings,
            site_key=SITE_KEY,
            clock=self.gov.clock,
        )


@pytest.fixture
def story(api: AppClient, settings: Settings, running: RunningSite) -> Story:
    # One clock for the site, the server and the passes: the site's, which the
    # story moves.
    running.site.clock.set(START)
    api.app.state.clock = running.site.clock.now
    gov = governed(api.app.state.db, running)
    made = Story(api, settings, gov)
    site = running.site
    with gov.db.write() as s:
        space = s.get_one(Space, gov.space_id)
        people = {n: make_user(s, n) for n in ("alice", "bob", "carol")}
        do_add_member(s, space, people["alice"], Role.admin, **by(None, Origin.cli))
        do_add_member(s, space, people["bob"], Role.editor, **by(None, Origin.cli))
        do_add_member(s, space, people["carol"], Role.viewer, **by(None, Origin.cli))
        make_workflow(
            s, space, people["alice"], [step(people["carol"])], space_default=True
        )
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        for name, user in people.items():
            _, made.tokens[name] = do_create_token(
                s, user, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )
        s.expunge_all()
    # The pipeline writes in Confluence as its own account, which is bob's.
    made.pipeline = site.add_user("CI Pipeline")  # type: ignore[attr-defined]
    made.carol_account = site.add_user("Carol Remote").account_id  # type: ignore[attr-defined]
    gov.map(made.pipeline.account_id, people["bob"])  # type: ignore[attr-defined]
    gov.map(made.carol_account, people["carol"])  # type: ignore[attr-defined]
    return made


def test_the_pipeline_story_runs_against_confluence_pages(story: Story) -> None:
    gov, site = story.gov, story.gov.site
    pipeline: Any = story.pipeline  # type: ignore[attr-defined]
    pages: list[RemotePage] = [
        site.add_page(gov.remote_space, f"Guide {n}", BODY, author=gov.author)
        for n in range(7)
    ]
    gov.sync()
    site.clock.advance(minutes=5)
    for page in pages:
        site.edit_page(page, body=BODY + "<p>Release 2.0.</p>", author=pipeline)
    # No pass has seen these edits: submitting reads the pages first.

    created = story.call(
        "/api/v1/changeSets",
        "bob",
        {
            "spaceId": str(gov.space_id),
            "title": "Release 2.0",
            "summary": "Docs for 2.0",
            "referenceUrl": "https://git.example.com/pr/42",
            "pageRefs": [{"pageId": page.id} for page in pages],
        },
    )["changeSet"]
    cs_id = created["id"]
    assert [ref["pageId"] for ref in created["pageRefs"]] == [p.id for p in pages]
    preflight = story.call(
        "/api/v1/changeSets/preflight", "bob", {"changeSetId": cs_id}
    )
    assert preflight["summary"] == {"total": 7, "submittable": 7, "blocked": 0}
    submitted = story.call("/api/v1/changeSets/submit", "bob", {"changeSetId": cs_id})
    assert (submitted["submittedCount"], submitted["skippedCount"]) == (7, 0)
    assert [r["pageId"] for r in submitted["results"]] == [p.id for p in pages]
    status = story.api.get(
        "/api/v1/pages/status",
        token=story.tokens["bob"],
        params={"pageId": pages[0].id},
    ).json()
    # The pipeline's edit, read before submitting; and as of which pass.
    assert status["currentPageVersion"] == 2
    assert status["source"] == {
        "system": "confluence",
        "url": f"{gov.running.site_url}/pages/viewpage.action?pageId={pages[0].id}",
        "syncedAt": "2026-12-01T09:00:00Z",
    }

    story.write_back()
    for page in pages:
        [root] = site.comments_on(page)
        assert site.mentions_on(page) == [story.carol_account]  # type: ignore[attr-defined]
        assert "Release 2.0" in root.body and "Docs for 2.0" in root.body
        assert "https://git.example.com/pr/42" in root.body
    assert site.property_by_key(pages[0].id, KEY) is not None

    for page in pages:
        story.call(
            "/api/v1/pages/approve",
            "carol",
            {"pageId": page.id, "version": 2, "comment": "Looks right"},
        )
    assert story.detail(cs_id)["rollupState"] == "all_approved"
    story.write_back()
    replies = [c for c in site.comments_on(pages[0]) if c.parent_comment_id]
    assert replies and all(
        c.parent_comment_id == site.comments_on(pages[0])[0].id for c in replies
    )
    approved = site.property_by_key(pages[0].id, KEY)
    assert approved is not None and approved.value["status"] == 1
    assert approved.version >= 2

    # Whitespace only, under staleOn: content: still approved after the pass.
    site.clock.advance(minutes=5)
    site.edit_page(
        pages[2],
        body=BODY.replace("\n", "\n\n  ") + "<p>Release 2.0.</p>",
        author=gov.author,
    )
    gov.sync()
    assert story.detail(cs_id)["rollupState"] == "all_approved"

    # A real change: stale at the next pass, and Confluence hears of it.
    site.clock.advance(minutes=5)
    site.edit_page(pages[2], body="<p>Step one, changed.</p>", author=gov.author)
    gov.sync()
    detail = story.detail(cs_id)
    assert detail["rollupState"] == "stale"
    edited = detail["pageRefs"][2]
    assert (edited["pageId"], edited["isStale"], edited["approvedAtVersion"]) == (
        pages[2].id,
        True,
        2,
    )
    assert edited["currentPageVersion"] == 4
    before = site.property_by_key(pages[2].id, KEY)
    assert before is not None and before.value["isStale"] is False
    version_before = before.version
    story.write_back()
    after = site.property_by_key(pages[2].id, KEY)
    assert after is not None and after.version == version_before + 1
    assert after.value["isStale"] is True

    # Submitted again, then edited during the review: superseded at the next pass.
    story.call("/api/v1/pages/submit", "bob", {"pageId": pages[2].id})
    site.clock.advance(minutes=5)
    site.edit_page(pages[2], body="<p>Step one, changed again.</p>", author=gov.author)
    gov.sync()
    status = story.api.get(
        "/api/v1/pages/status",
        token=story.tokens["bob"],
        params={"pageId": pages[2].id},
    ).json()
    assert status["currentPageVersion"] == 5
    story.write_back()
    texts = [c.body for c in site.comments_on(pages[2])]
    assert any("superseded" in text for text in texts)
