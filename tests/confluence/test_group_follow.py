"""A Signoff group following a Confluence group: its members are the mapped members
of the Confluence group, kept so by each pass, and reviews feel every change."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from confluence.governed import Governed
from confluence_site.records import Group as RemoteGroupRecord
from confluence_site.records import User as RemoteUser
from factories import by, make_group, make_user, make_workflow, step
from signoff.actions.acting import Acting
from signoff.actions.approvals import do_submit_page
from signoff.actions.confluence.group_follow import (
    GroupSynced,
    do_unfollow_group,
    follow_group,
)
from signoff.actions.groups import do_add_group_member, do_remove_group_member
from signoff.actions.spaces import do_add_member
from signoff.connectors.confluence.connect import site_http
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    ConfluenceGroupFollow,
    Group,
    GroupMember,
    Page,
    ReviewAssignment,
    Space,
    User,
)
from signoff.domain.errors import InvalidState, NotFound
from signoff.domain.states import Origin, Role


@dataclass
class Scene:
    remote: RemoteGroupRecord
    people: dict[str, RemoteUser]
    users: dict[str, User]


def _scene(g: Governed, mapped: tuple[str, ...] = ("bea", "cal", "dan")) -> Scene:
    """Confluence people bea, cal, dan, eve (eve never mapped); bea and cal in the
    Confluence group `legal`; a Signoff group `counsel`, empty; each mapped person
    a viewer of the governed space."""
    people = {n: g.site.add_user(n.title()) for n in ("bea", "cal", "dan", "eve")}
    remote = g.site.add_group("legal", (people["bea"], people["cal"]))
    users: dict[str, User] = {}
    with g.db.write() as s:
        space = s.get(Space, g.space_id)
        assert space is not None
        for name in mapped:
            users[name] = make_user(s, name)
            do_add_member(s, space, users[name], Role.viewer, **by(None, Origin.cli))
        make_group(s, "counsel", [])
        s.expunge_all()
    for name in mapped:
        g.map(people[name].account_id, users[name])
    return Scene(remote, people, users)


def _follow(g: Governed, confluence_group: str = "legal") -> GroupSynced:
    return follow_group(
        g.db,
        "counsel",
        "acme",
        confluence_group,
        http_for=lambda site: site_http(
            site, site_key=g.reach.site_key, allow=g.reach.allow
        ),
        by=Acting(None, Origin.cli, None, g.clock()),
    )


def _members(g: Governed) -> list[str]:
    with g.db.read() as s:
        return sorted(
            s.scalars(
                select(User.username)
                .join(GroupMember, GroupMember.user_id == User.id)
                .join(Group, Group.id == GroupMember.group_id)
                .where(Group.name == "counsel")
            )
        )


def _follow_row(g: Governed) -> ConfluenceGroupFollow:
    with g.db.read() as s:
        row: ConfluenceGroupFollow | None = s.scalar(select(ConfluenceGroupFollow))
        assert row is not None
        s.expunge(row)
        return row


def _pending_review_seating_counsel(g: Governed, scene: Scene) -> int:
    """A page under a review whose one step is the `counsel` seat (rule `all`)."""
    page = g.site.add_page(g.remote_space, "Policy", "<p>v1</p>", author=g.author)
    with g.db.write() as s:
        space = s.get(Space, g.space_id)
        group = s.scalar(select(Group).where(Group.name == "counsel"))
        assert space is not None
        assert group is not None
        ann = make_user(s, "ann")
        do_add_member(s, space, ann, Role.admin, **by(None, Origin.cli))
        make_workflow(s, space, ann, [step(groups=[group])], space_default=True)
        s.expunge_all()
    g.sync()
    with g.db.write() as s:
        found = s.scalar(select(Page).where(Page.external_id == page.id))
        assert found is not None
        submitter = s.scalar(select(User).where(User.username == "ann"))
        return do_submit_page(s, found, **by(submitter)).id


def _waiting_for(g: Governed, request_id: int) -> list[str]:
    with g.db.read() as s:
        return sorted(
            s.scalars(
                select(User.username)
                .join(ReviewAssignment, ReviewAssignment.user_id == User.id)
                .where(ReviewAssignment.request_id == request_id)
            )
        )


def test_following_makes_the_mapped_members_the_groups_members_at_once(
    gov: Governed,
) -> None:
    scene = _scene(gov, mapped=("bea", "dan"))

    synced = _follow(gov)

    assert (synced.added, synced.removed) == (["bea"], [])
    assert synced.unmapped == [scene.people["cal"].account_id]
    assert _members(gov) == ["bea"]
    row = _follow_row(gov)
    assert (row.confluence_group_id, row.confluence_group_name) == (
        scene.remote.id,
        "legal",
    )
    assert row.synced_at is not None
    assert row.unmapped == [scene.people["cal"].account_id]
    with gov.db.read() as s:
        joined = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "group.member_added")
        )
        assert joined is not None
        assert joined.origin == "system"
        assert joined.details["via"] == "Confluence group legal on site acme"
        assert "from Confluence group legal on site acme" in joined.text


def test_a_member_added_in_confluence_joins_at_the_next_pass_and_reviews_wait_for_them(
    gov: Governed,
) -> None:
    scene = _scene(gov)
    _follow(gov)
    request_id = _pending_review_seating_counsel(gov, scene)
    assert _waiting_for(gov, request_id) == ["bea", "cal"]
    gov.site.add_to_group(scene.remote, scene.people["dan"])

    report = gov.sync()

    assert [(g.group, g.added) for g in report.groups] == [("counsel", ["dan"])]
    assert _members(gov) == ["bea", "cal", "dan"]
    assert _waiting_for(gov, request_id) == ["bea", "cal", "dan"]


def test_the_last_member_removed_in_confluence_leaves_and_the_all_step_fails(
    gov: Governed,
) -> None:
    scene = _scene(gov)
    gov.site.remove_from_group(scene.remote, scene.people["cal"])
    _follow(gov)
    request_id = _pending_review_seating_counsel(gov, scene)
    gov.site.remove_from_group(scene.remote, scene.people["bea"])

    report = gov.sync()

    assert [(g.group, g.removed) for g in report.groups] == [("counsel", ["bea"])]
    assert _members(gov) == []
    assert _waiting_for(gov, request_id) == []
    with gov.db.read() as s:
        request = s.get(ApprovalRequest, request_id)
        assert request is not None
        assert request.status == "rejected"


def test_an_unknown_confluence_group_is_refused_with_a_clear_message(
    gov: Governed,
) -> None:
    _scene(gov)
    with pytest.raises(NotFound, match="Confluence group 'lawyers' was not found"):
        _follow(gov, "lawyers")
    with gov.db.read() as s:
        assert s.scalar(select(ConfluenceGroupFollow)) is None


def test_following_twice_is_refused(gov: Governed) -> None:
    _scene(gov)
    _follow(gov)
    with pytest.raises(InvalidState, match="already follows Confluence group legal"):
        _follow(gov)


@pytest.mark.parametrize("change", [do_add_group_member, do_remove_group_member])
def test_changing_a_following_group_by_hand_is_refused_until_unfollowed(
    gov: Governed, change: object
) -> None:
    _scene(gov)
    _follow(gov)
    target = "dan" if change is do_add_group_member else "bea"
    with gov.db.write() as s:
        group = s.scalar(select(Group).where(Group.name == "counsel"))
        person = s.scalar(select(User).where(User.username == target))
        with pytest.raises(InvalidState) as refused:
            change(s, group, person, **by(None, Origin.cli))  # type: ignore[operator]
    assert str(refused.value.message) == (
        "group counsel follows Confluence group legal on site acme; "
        "change membership there or unfollow"
    )
    with gov.db.write() as s:
        group = s.scalar(select(Group).where(Group.name == "counsel"))
        assert group is not None
        do_unfollow_group(s, group, **by(None, Origin.cli))
    assert _members(gov) == ["bea", "cal"]
    with gov.db.write() as s:
        group = s.scalar(select(Group).where(Group.name == "counsel"))
        person = s.scalar(select(User).where(User.username == target))
        change(s, group, person, **by(None, Origin.cli))  # type: ignore[operator]


def test_a_rate_limited_group_read_is_waited_out_in_the_pass(gov: Governed) -> None:
    scene = _scene(gov)
    _follow(gov)
    gov.site.add_to_group(scene.remote, scene.people["dan"])
    gov.site.faults.rate_limit(
        1, retry_after=1, path=f"/wiki/rest/api/group/{scene.remote.id}"
    )

    report = gov.sync()

    assert report.errors == []
    assert _members(gov) == ["bea", "cal", "dan"]
    assert gov.site.log.early_requests() == []


def test_a_group_gone_from_confluence_is_reported_and_keeps_its_members(
    gov: Governed,
) -> None:
    scene = _scene(gov)
    _follow(gov)
    gov.site.delete_group(scene.remote)
    page = gov.site.add_page(gov.remote_space, "Runbook", "<p>x</p>", author=gov.author)

    report = gov.sync()

    assert gov.page(page.id).title == "Runbook"
    assert len(report.errors) == 1
    assert (
        "acme/group counsel: Confluence group legal no longer exists"
        in (report.errors[0])
    )
    assert _members(gov) == ["bea", "cal"]
    assert "no longer exists" in (_follow_row(gov).last_error or "")
