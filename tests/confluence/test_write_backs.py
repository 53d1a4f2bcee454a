"""Review outcomes written back to Confluence, over HTTP against the stand-in site.

A submission opens a footer comment that mentions the mapped approvers; decisions
and the review's end reply in its thread; the `signoff-approval` property follows
every event; faults of the site (a lost answer, a 429 storm, a revoked token, a page
gone) are retried or given up as they deserve, without writing anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from confluence.governed import Governed
from confluence_site import ConfluenceSite
from confluence_site.records import Page as RemotePage
from factories import by, make_page, make_space, make_user, make_workflow, step
from product_004 import assert_shaped_like_product_004
from signoff.actions.approvals import do_reset_approval, do_submit_page
from signoff.connectors.confluence.gate import SiteGate
from signoff.db.models import OutboxMessage, Page, User
from signoff.domain.states import DecisionKind, Role
from signoff.notify.confluence_writes import deliver_confluence_writes

from .governed import SITE_KEY
from .write_scene import BASE_URL, KEY, WriteScene, write_scene

HOSTILE = '</p><ac:link><ri:user ri:account-id="evil" /></ac:link><script>x()</script>'


@pytest.fixture
def scene(gov: Governed, tmp_path: Path) -> WriteScene:
    return write_scene(gov, tmp_path)


def test_a_submission_opens_a_comment_mentioning_the_mapped_approvers(
    scene: WriteScene,
) -> None:
    scene.submit()

    assert scene.deliver() == 1

    root = scene.root()
    assert scene.site.mentions_on(scene.remote) == [scene.bob_remote.account_id]
    assert "Edna requested approval of version 1" in root.body
    assert "Cy" in root.body  # no account mapped: named in plain text
    assert f'href="{BASE_URL}/spaces/DOCS/pages/{scene.remote.id}"' in root.body
    assert scene.thread() == root.id


def test_the_property_names_people_by_their_atlassian_accounts(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.deliver()

    version, value = scene.property()

    assert version == 1
    assert value["status"] == 0 and value["version"] == 1
    assert value["pending"] == [scene.bob_remote.account_id]  # Cy has no account
    assert value["createdBy"] is None  # Edna has none either


def _edit_in_confluence(scene: WriteScene) -> None:
    scene.site.clock.advance(minutes=5)
    scene.site.edit_page(scene.remote, body="<p>Restart both.</p>")
    scene.gov.sync()


WALKS: dict[str, Callable[[WriteScene], None]] = {
    "pending": lambda scene: scene.submit(),
    "approved": lambda scene: _approve(scene),
    "rejected": lambda scene: (
        scene.submit(),
        scene.decide("cy", DecisionKind.reject, "Not yet"),
    ),
    "cancelled": lambda scene: (scene.submit(), scene.withdraw()),
    "superseded": lambda scene: (scene.submit(), _edit_in_confluence(scene)),
    "stale": lambda scene: (_approve(scene), _edit_in_confluence(scene)),
}
CODES = {
    "pending": (0, "pending", "false", False),
    "approved": (1, "approved", "true", False),
    "rejected": (2, "rejected", "true", False),
    "cancelled": (3, "cancelled", "true", False),
    "superseded": (4, "superseded", "true", False),
    "stale": (1, "approved", "true", True),
}


@pytest.mark.parametrize("state", list(WALKS))
def test_the_property_on_confluence_has_product_004s_fields_and_types(
    scene: WriteScene, state: str
) -> None:
    WALKS[state](scene)

    scene.deliver()

    _, value = scene.property()
    # Edna, who submits, and the site's editor of version 2 have no account mapped
    assert_shaped_like_product_004(value, unnamed=["createdBy", "latestVersionBy"])
    assert (
        value["status"],
        value["statusName"],
        value["isComplete"],
        value["isStale"],
    ) == CODES[state]
    assert min(value["completedAt"], value["createdAt"]) > 1_700_000_000_000  # ms


def test_a_change_set_submission_carries_its_title_summary_and_links(
    scene: WriteScene,
) -> None:
    scene.submit(change_set=True)
    scene.deliver()

    body = scene.root().body
    assert "Release &lt;b&gt;2.0&lt;/b&gt; &amp; friends" in body
    assert "<b>2.0</b>" not in body
    assert "Restart order changed.<br />See the notes." in body
    assert 'href="https://git.example.com/pr/1"' in body
    assert f'href="{BASE_URL}/changesets/' in body


def test_decisions_and_the_end_reply_in_the_thread_as_the_property_follows(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.deliver()
    versions = [scene.property()[0]]

    scene.decide("bob", DecisionKind.approve, "Fine & ready")
    scene.deliver()
    versions.append(scene.property()[0])
    scene.decide("cy", DecisionKind.approve)
    scene.deliver()
    version, value = scene.property()

    assert [*versions, version] == [1, 2, 4]  # Cy's decision, then the approval
    root, replies = scene.root(), scene.replies()
    assert {reply.parent_comment_id for reply in replies} == {root.id}
    assert [r.body.split("</p>")[0] for r in replies] == [
        "<p>Bob approved version 1 at step 'Review'.",
        "<p>Cy approved version 1 at step 'Review'.",
        "<p>The review is complete: version 1 is approved.",
    ]
    assert "<p>Fine &amp; ready</p>" in replies[0].body
    assert value["status"] == 1 and value["isComplete"] == "true"
    assert value["approved"] == [scene.bob_remote.account_id]


def test_a_rejection_comment_is_escaped_and_mentions_nobody(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.decide("cy", DecisionKind.reject, HOSTILE)

    scene.deliver()

    rejected = scene.replies()[0].body
    assert "&lt;/p&gt;&lt;ac:link&gt;&lt;ri:user ri:account-id=&quot;evil&quot;" in (
        rejected
    )
    assert "<script>" not in rejected
    assert "evil" not in scene.site.mentions_on(scene.remote)
    assert scene.property()[1]["status"] == 2


def test_a_withdrawal_replies_and_the_property_says_cancelled(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.withdraw()

    scene.deliver()

    assert "Edna withdrew the review of version 1." in scene.replies()[0].body
    version, value = scene.property()
    assert (version, value["status"]) == (2, 3)


def test_an_edit_in_confluence_during_review_is_replied_as_superseded(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.deliver()
    scene.site.clock.advance(minutes=5)
    scene.site.edit_page(scene.remote, body="<p>Restart both.</p>")
    scene.gov.sync()

    scene.deliver()

    [reply] = scene.replies()
    assert "Version 2 was saved during the review" in reply.body
    assert scene.property()[1]["status"] == 4


def test_an_edit_after_approval_is_replied_as_stale_and_labelled_so(
    scene: WriteScene,
) -> None:
    scene.labels = True
    _approve(scene)
    scene.site.clock.advance(minutes=5)
    scene.site.edit_page(scene.remote, body="<p>Restart both.</p>")
    scene.gov.sync()

    scene.deliver()

    assert "changed the approved content" in scene.replies()[-1].body
    assert scene.property()[1]["isStale"] is True
    assert _labels(scene) == ["signoff-stale"]


def test_a_reset_to_draft_is_replied_and_removes_the_property(
    scene: WriteScene,
) -> None:
    _approve(scene)
    with scene.gov.db.write() as s:
        do_reset_approval(
            s, s.get_one(Page, scene.page_id), **by(s.get_one(User, scene.gov.admin.id))
        )

    scene.deliver()

    assert "Root reset the review of version 1" in scene.replies()[-1].body
    assert scene.site.property_by_key(scene.remote.id, KEY) is None


class RacingGate(SiteGate):
    """Another writer bumps the property between our read of it and our write."""

    def __init__(self, site: ConfluenceSite, page: RemotePage, times: int) -> None:
        super().__init__(backoff_start=0.05)
        self.site, self.page, self.left = site, page, times

    def wait_turn(self) -> None:
        records = self.site.log.records()
        last = records[-1] if records else None
        if (
            self.left > 0
            and last is not None
            and last.method == "GET"
            and last.path.endswith("/properties")
        ):
            self.left -= 1
            self.site.set_property(self.page, KEY, {"by": "someone else"})
        super().wait_turn()


def test_a_property_race_with_another_writer_ends_with_signoffs_value(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.deliver()
    scene.gate = RacingGate(scene.site, scene.remote, times=2)
    scene.decide("bob", DecisionKind.approve)

    assert scene.deliver() == 1

    version, value = scene.property()
    assert scene.site.log.count("PUT") == 3  # two conflicts, then ours
    assert version == 4  # ours, two by the other writer, ours
    assert value["status"] == 0 and value["approved"] == [scene.bob_remote.account_id]


def test_a_lost_answer_to_the_comment_post_is_found_on_retry_not_posted_twice(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.site.faults.lose_answer(path="footer-comments")

    assert scene.deliver() == 0

    [write] = scene.writes()
    assert (write.status, write.attempts) == ("retry", 1)
    assert len(scene.comments()) == 1  # it was written, but we could not know
    scene.later(hours=1)
    assert scene.deliver() == 1
    [comment] = scene.comments()
    assert scene.thread() == comment.id
    assert scene.property()[0] == 1


def test_a_429_storm_is_waited_out_and_nothing_is_written_twice(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.site.faults.rate_limit(2, retry_after=1)

    assert scene.deliver() == 1

    assert scene.site.log.early_requests() == []
    assert len(scene.comments()) == 1
    assert scene.property()[0] == 1


def test_a_long_pause_asked_for_is_a_retry_after_it_and_no_call_comes_sooner(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.site.faults.rate_limit(1, retry_after=600)

    assert scene.deliver() == 0
    [write] = scene.writes()
    assert write.status == "retry" and "pause" in (write.last_error or "")
    assert write.available_at - scene.clock.now >= timedelta(seconds=599)
    calls = len(scene.site.log.records())
    scene.later(hours=1)  # due again for the worker; the site's pause still holds
    assert scene.deliver() == 0

    assert len(scene.site.log.records()) == calls
    assert scene.site.log.early_requests() == []
    assert scene.site_row().hold_until is not None
    assert scene.comments() == []


def test_a_revoked_token_waits_an_hour_saying_why(scene: WriteScene) -> None:
    for token in scene.site.api_tokens:
        scene.site.revoke(token)
    scene.submit()

    assert scene.deliver() == 0

    [write] = scene.writes()
    assert write.status == "retry"
    assert "refused the site's credentials" in (write.last_error or "")
    assert write.available_at - scene.clock.now >= timedelta(minutes=59)


def test_a_page_gone_from_confluence_gives_the_write_up(scene: WriteScene) -> None:
    scene.submit()
    scene.site.delete_page(scene.remote)

    scene.deliver()

    [write] = scene.writes()
    assert write.status == "dead"
    assert f"page {scene.remote.id}" in (write.last_error or "")


def test_a_reply_waits_for_its_thread_to_be_written(scene: WriteScene) -> None:
    scene.submit()
    scene.site.faults.unavailable(1, retry_after=None, path="footer-comments")
    scene.deliver()
    scene.decide("bob", DecisionKind.approve)

    scene.deliver()

    decided = scene.writes()[1]
    assert decided.status == "retry"
    assert "thread" in (decided.last_error or "")
    for _ in range(3):
        scene.later(hours=1)
        scene.deliver()
    assert [w.status for w in scene.writes()] == ["delivered", "delivered"]
    assert [r.parent_comment_id for r in scene.replies()] == [scene.root().id]


def test_labels_say_where_the_review_stands_when_asked_for(
    scene: WriteScene,
) -> None:
    scene.labels = True
    scene.site.add_label(scene.remote, "q3")
    scene.submit()
    scene.deliver()
    in_review = _labels(scene)
    scene.decide("bob", DecisionKind.approve)
    scene.decide("cy", DecisionKind.approve)

    scene.deliver()

    assert in_review == ["q3", "signoff-in-review"]
    assert _labels(scene) == ["q3", "signoff-approved"]


def test_no_label_is_written_by_default(scene: WriteScene) -> None:
    scene.submit()
    scene.deliver()

    assert [r for r in scene.site.log.records() if "label" in r.path] == []
    assert _labels(scene) == []


def test_a_page_of_the_builtin_store_gets_no_write(scene: WriteScene) -> None:
    db = scene.gov.db
    with db.write() as s:
        ann, bea = make_user(s, "ann"), make_user(s, "bea")
        space = make_space(s, "OWN", admin=ann, members={bea: Role.viewer})
        page = make_page(s, space, ann)
        make_workflow(s, space, ann, [step(bea)], space_default=True)
        do_submit_page(s, page, **by(ann))
    calls = len(scene.site.log.records())

    assert scene.deliver() == 0

    assert scene.writes() == []
    assert len(scene.site.log.records()) == calls
    with db.read() as s:
        submitted = s.scalar(
            select(OutboxMessage.status).where(
                OutboxMessage.kind == "approval.submitted"
            )
        )
    assert submitted == "delivered"  # fanned out, to nothing


def test_writes_back_for_one_site_leave_other_sites_writes_waiting(
    scene: WriteScene,
) -> None:
    scene.submit()
    scene.fan_out()

    def deliver_for(site_id: int) -> int:
        return deliver_confluence_writes(
            scene.gov.db,
            scene.settings(),
            site_key=SITE_KEY,
            clock=scene.clock,
            site_id=site_id,
            gates=lambda site: scene.gate,
        )

    assert deliver_for(scene.gov.site_id + 1) == 0
    assert [w.status for w in scene.writes()] == ["pending"]
    assert deliver_for(scene.gov.site_id) == 1
    assert [w.status for w in scene.writes()] == ["delivered"]


def _approve(scene: WriteScene) -> None:
    scene.submit()
    scene.decide("bob", DecisionKind.approve)
    scene.decide("cy", DecisionKind.approve)
    scene.deliver()


def _labels(scene: WriteScene) -> list[str]:
    return sorted(label.name for label in scene.site.page(scene.remote).labels)


def test_delivering_writes_alone_fans_out_the_new_events_first(
    scene: WriteScene,
) -> None:
    scene.submit()

    written = deliver_confluence_writes(
        scene.gov.db,
        scene.settings(),
        site_key=SITE_KEY,
        clock=scene.clock,
        gates=lambda site: scene.gate,
    )

    assert written >= 1
    assert len(scene.site.comments_on(scene.remote)) == 1
