"""Writing into Confluence: comments sent at most once, the property always current.

Against the stand-in over HTTP: a comment whose answer was lost is found, not posted
again; replies thread under their comment; the content property is created, then
moved on version by version, and a 409 from another writer is read and retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from confluence_site import ConfluenceSite, RunningSite, run_site
from confluence_site.records import Page
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import SiteGate
from signoff.connectors.confluence.http import Answer, ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import parse_site_url
from signoff.connectors.confluence.writes import (
    PROPERTY_ATTEMPTS,
    post_comment,
    put_property,
)
from signoff.outbound.allowlist import AllowList

KEY = "signoff-approval"
MENTION = '<ac:link><ri:user ri:account-id="{}" /></ac:link>'


@dataclass
class Scene:
    running: RunningSite
    page: Page
    http: ConfluenceHttp

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site


class Interloper(ConfluenceHttp):
    """Another writer changes the property between each read and write."""

    def __init__(self, scene_site: ConfluenceSite, page: Page, times: int, **kw: Any):
        super().__init__(**kw)
        self._site, self._page, self._left = scene_site, page, times

    def put(self, path: str, body: Any) -> Answer:
        if self._left > 0:
            self._left -= 1
            self._site.set_property(self._page, KEY, {"by": "someone else"})
        return super().put(path, body)


@pytest.fixture
def scene() -> Iterator[Scene]:
    site = ConfluenceSite()
    ada = site.add_user("Ada Lovelace")
    token = site.add_api_token(ada)
    page = site.add_page(site.add_space("DOCS"), "Runbook", "<p>x</p>", author=ada)
    with run_site(site) as running:
        port = running.root.rsplit(":", 1)[1]
        http = ConfluenceHttp(
            parse_site_url(running.site_url),
            Credentials("basic", token.token, token.email),
            gate=SiteGate(backoff_start=0.05),
            allow=AllowList.parse(f"127.0.0.1:{port}"),
        )
        yield Scene(running, page, http)


def _options(scene: Scene) -> dict[str, Any]:
    return {
        "site": scene.http.site,
        "credentials": Credentials("basic", *_token_and_email(scene)),
        "gate": SiteGate(backoff_start=0.05),
        "allow": AllowList.parse(f"127.0.0.1:{scene.running.root.rsplit(':', 1)[1]}"),
    }


def _token_and_email(scene: Scene) -> tuple[str, str]:
    user = scene.site.add_user("Bea")
    token = scene.site.add_api_token(user)
    return token.token, token.email


def test_a_comment_mentions_its_approvers_and_a_reply_threads_under_it(
    scene: Scene,
) -> None:
    bob = scene.site.add_user("Bob")
    body = f"<p>Approval requested from {MENTION.format(bob.account_id)}.</p>"
    root = post_comment(scene.http, body, "m-1", page_id=scene.page.id)
    reply = post_comment(scene.http, "<p>Approved.</p>", "m-2", parent_id=root)
    comments = {c.id: c for c in scene.site.comments_on(scene.page)}
    assert scene.site.mentions_on(scene.page) == [bob.account_id]
    assert comments[reply].parent_comment_id == root
    assert "Signoff reference m-1" in comments[root].body


def test_a_comment_whose_answer_was_lost_is_found_not_posted_twice(
    scene: Scene,
) -> None:
    scene.site.faults.lose_answer(count=1, path="footer-comments")
    with pytest.raises(ConfluenceError):
        post_comment(scene.http, "<p>Please review.</p>", "m-7", page_id=scene.page.id)
    assert len(scene.site.comments_on(scene.page)) == 1  # it was written all the same
    again = post_comment(
        scene.http, "<p>Please review.</p>", "m-7", page_id=scene.page.id, resent=True
    )
    comments = scene.site.comments_on(scene.page)
    assert [c.id for c in comments] == [again]


def test_a_resent_comment_never_written_is_posted(scene: Scene) -> None:
    made = post_comment(
        scene.http, "<p>Please review.</p>", "m-8", page_id=scene.page.id, resent=True
    )
    assert [c.id for c in scene.site.comments_on(scene.page)] == [made]


def test_the_property_is_created_then_moved_on_version_by_version(
    scene: Scene,
) -> None:
    first = put_property(scene.http, scene.page.id, KEY, {"status": 0})
    second = put_property(scene.http, scene.page.id, KEY, {"status": 1})
    stored = scene.site.property_by_key(scene.page.id, KEY)
    assert stored is not None
    assert (first.version, second.version, stored.version) == (1, 2, 2)
    assert stored.value == {"status": 1} and first.id == second.id == stored.id


def test_a_409_from_another_writer_is_read_again_and_retried(scene: Scene) -> None:
    put_property(scene.http, scene.page.id, KEY, {"status": 0})
    racing = Interloper(scene.site, scene.page, times=2, **_options(scene))
    written = put_property(racing, scene.page.id, KEY, {"status": 1})
    stored = scene.site.property_by_key(scene.page.id, KEY)
    assert stored is not None and stored.value == {"status": 1}
    assert written.version == stored.version == 4  # 1, two interlopers, ours


def test_a_writer_that_always_wins_is_given_up_on_after_a_bound(scene: Scene) -> None:
    put_property(scene.http, scene.page.id, KEY, {"status": 0})
    racing = Interloper(scene.site, scene.page, times=99, **_options(scene))
    with pytest.raises(ConfluenceError) as lost:
        put_property(racing, scene.page.id, KEY, {"status": 1})
    assert lost.value.status == 409
    assert scene.site.log.count("PUT") == PROPERTY_ATTEMPTS


def test_a_property_post_racing_another_creator_becomes_an_update(
    scene: Scene,
) -> None:
    class CreatesFirst(ConfluenceHttp):
        def post(self, path: str, body: Any) -> Answer:
            scene.site.set_property(scene.page, KEY, {"by": "someone else"})
            return super().post(path, body)

    written = put_property(
        CreatesFirst(**_options(scene)), scene.page.id, KEY, {"status": 2}
    )
    stored = scene.site.property_by_key(scene.page.id, KEY)
    assert stored is not None and stored.value == {"status": 2}
    assert written.version == 2
