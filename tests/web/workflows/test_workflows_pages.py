"""Workflows in the browser, through ASGI: space admins define, edit, assign, make the
default and deactivate; everyone else is refused, and refusals are audited."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from signoff.db.models import AuditEvent, Page, Space, Workflow
from web.conftest import World, csrf

BASE = "/spaces/DOCS/workflows"


def visible(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def workflows(world: World) -> list[Workflow]:
    with world.db.read() as session:
        rows = list(session.scalars(select(Workflow).order_by(Workflow.id)))
        for row in rows:
            _ = list(row.steps)
        session.expunge_all()
        return rows


def events(world: World, action: str) -> list[AuditEvent]:
    with world.db.read() as session:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return rows


def post_form(world: World, role: str, url: str, fields: dict[str, Any]) -> Any:
    browser = world.browser(role)
    token = csrf(browser.get("/spaces").text)
    return browser.post(url, data={"csrf_token": token, **fields})


def two_steps(world: World, **changes: Any) -> dict[str, Any]:
    """A legal step (any of approver, editor; two rejections fail it) then a
    sign-off by quorum of both."""
    ids = world.ids
    return {
        "name": "Legal review",
        "step_count": "2",
        "step-0-name": "Legal",
        "step-0-approver": [str(ids["approver"]), str(ids["editor"])],
        "step-0-rule": "any",
        "step-0-min_rejections": "2",
        "step-0-due_days": "3",
        "step-1-name": "Sign-off",
        "step-1-approver": [str(ids["approver"]), str(ids["admin"])],
        "step-1-rule": "quorum",
        "step-1-quorum": "2",
        "step-1-min_rejections": "1",
        "expire_on_edit": "1",
        "stale_on": "version",
        "valid_for_days": "90",
        **changes,
    }


def test_an_admin_sees_the_workflows_with_their_steps_and_pages(
    world: World,
) -> None:
    response = world.browser("admin").get(BASE)
    assert response.status_code == 200
    text = visible(response.text)
    assert "Standard review Space default" in text
    assert "Review (all must approve): Approver (approver)" in text
    assert 'href="/spaces/DOCS/workflows/new"' in response.text
    space = world.browser("admin").get("/spaces/DOCS")
    assert 'href="/spaces/DOCS/workflows"' in space.text


@pytest.mark.parametrize("path", ["", "/new", "/1/edit", "/1/pages"])
@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_members_below_admin_are_refused_and_audited(
    world: World, role: str, path: str
) -> None:
    before = len(events(world, "auth.denied"))
    response = world.browser(role).get(BASE + path)
    assert response.status_code == 403
    assert "manage workflows" in response.text
    denied = events(world, "auth.denied")
    assert len(denied) == before + 1
    assert denied[-1].actor_id == world.ids[role]


@pytest.mark.parametrize("path", ["", "/new", "/1/edit", "/1/pages"])
def test_people_outside_the_space_get_404_and_strangers_sign_in(
    world: World, path: str
) -> None:
    assert world.browser("outsider").get(BASE + path).status_code == 404
    anonymous = world.site.browser().get(BASE + path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    assert world.browser("admin").get(BASE + path).status_code == 200


def test_the_new_workflow_form_offers_members_and_one_blank_step(
    world: World,
) -> None:
    response = world.browser("admin").get(BASE + "/new")
    text = unescape(response.text)
    assert 'name="step_count" value="1"' in text
    assert "Step 1 approvers" in text and "Step 2" not in text
    for role in ("admin", "editor", "approver", "viewer"):
        assert f'name="step-0-approver" value="{world.ids[role]}"' in text
    # Not a member of DOCS: not offered.
    assert f'value="{world.ids["outsider"]}"' not in text


def test_an_admin_defines_a_two_step_workflow(world: World) -> None:
    response = post_form(world, "admin", BASE + "/new", two_steps(world))
    assert response.status_code == 303
    assert response.headers["location"] == BASE + "?done=created"
    created = workflows(world)[-1]
    assert created.name == "Legal review"
    assert [s.name for s in created.steps] == ["Legal", "Sign-off"]
    legal, signoff = created.steps
    assert (legal.rule, legal.due_days, sorted(legal.approver_ids)) == (
        "any",
        3,
        sorted([world.ids["approver"], world.ids["editor"]]),
    )
    assert legal.min_rejections == 2
    assert (signoff.rule, signoff.quorum, signoff.min_rejections) == ("quorum", 2, 1)
    assert (created.stale_on, created.valid_for_days) == ("version", 90)
    assert created.expire_on_edit and not created.allow_self_approval
    audit = events(world, "workflow.created")[-1]
    assert audit.origin == "ui" and audit.actor_id == world.ids["admin"]
    listing = visible(world.browser("admin").get(BASE + "?done=created").text)
    assert "Workflow created." in listing
    assert "Sign-off (quorum of 2): Admin (admin), Approver (approver)" in listing
    assert "due in 3 days" in listing


def test_add_a_step_keeps_what_was_typed_and_writes_nothing(world: World) -> None:
    before = len(workflows(world))
    fields = two_steps(world, intent="add-step")
    response = post_form(world, "admin", BASE + "/new", fields)
    assert response.status_code == 200
    text = unescape(response.text)
    assert 'name="step_count" value="3"' in text
    assert 'value="Legal review"' in text and 'value="Sign-off"' in text
    assert "Step 3 approvers" in text
    assert len(workflows(world)) == before


def test_removing_a_step_drops_it(world: World) -> None:
    fields = two_steps(world, **{"step-0-remove": "1"})
    assert post_form(world, "admin", BASE + "/new", fields).status_code == 303
    assert [s.name for s in workflows(world)[-1].steps] == ["Sign-off"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"step-1-quorum": "3"},
            "Step 2: quorum is larger than the number of approvers named.",
        ),
        ({"step-1-quorum": "two"}, "Step 2: quorum must be a whole number."),
        (
            {"step-1-min_rejections": "2"},
            "Step 2: minRejections is 2, but with rule quorum 2 and 2 seat(s) the "
            "step already fails after 1 rejection(s)",
        ),
        ({"step-1-quorum": ""}, "Step 2: quorum must be a whole number of at least 1"),
        ({"step-0-approver": []}, "Step 1: needs at least one approver or group."),
        ({"name": "  "}, "name must not be empty."),
        ({"step-0-rule": "most"}, "Step 1: choose a rule."),
        ({"stale_on": "weather"}, "Choose what makes an approval stale."),
        ({"valid_for_days": "0"}, "validForDays must be at least 1."),
        ({"valid_for_days": "-5"}, "must be a whole number."),
        ({"step-0-approver": ["x"]}, "Choose approvers and groups from the lists."),
        (
            {"step-0-name": "", "step-0-approver": [], "step-1-name": ""},
            "Step 1: name must not be empty.",
        ),
    ],
)
def test_a_bad_definition_is_shown_again_with_its_reason(
    world: World, changes: dict[str, Any], message: str
) -> None:
    before = len(workflows(world))
    response = post_form(world, "admin", BASE + "/new", two_steps(world, **changes))
    assert response.status_code == 400
    text = unescape(response.text)
    assert message in text
    assert 'role="alert"' in text
    assert len(workflows(world)) == before


def test_a_taken_name_is_refused(world: World) -> None:
    fields = two_steps(world, name="Standard review")
    response = post_form(world, "admin", BASE + "/new", fields)
    assert response.status_code == 400
    assert "already exists here" in unescape(response.text)


def test_an_edit_changes_options_removes_the_expiry_and_bumps_the_revision(
    world: World,
) -> None:
    post_form(world, "admin", BASE + "/new", two_steps(world))
    created = workflows(world)[-1]
    form = world.browser("admin").get(f"{BASE}/{created.id}/edit")
    assert form.status_code == 200
    assert 'value="90"' in form.text and "Saving makes revision 2" in form.text
    fields = two_steps(
        world,
        name="Legal and brand",
        valid_for_days="",
        stale_on="content",
        allow_self_approval="1",
        **{"step-1-remove": "1"},
    )
    del fields["expire_on_edit"]
    response = post_form(world, "admin", f"{BASE}/{created.id}/edit", fields)
    assert response.status_code == 303
    edited = workflows(world)[-1]
    assert (edited.name, edited.revision, edited.valid_for_days) == (
        "Legal and brand",
        2,
        None,
    )
    assert (edited.stale_on, edited.expire_on_edit, edited.allow_self_approval) == (
        "content",
        False,
        True,
    )
    assert [s.name for s in edited.steps] == ["Legal"]
    changed = events(world, "workflow.updated")[-1].details["changed"]
    assert set(changed) == {
        "name",
        "steps",
        "expire_on_edit",
        "stale_on",
        "allow_self_approval",
        "valid_for_days",
    }


def test_deactivating_clears_the_default_and_freezes_the_workflow(
    world: World,
) -> None:
    standard = workflows(world)[0]
    url = f"{BASE}/{standard.id}/deactivate"
    response = post_form(world, "admin", url, {})
    assert response.status_code == 303
    assert not workflows(world)[0].is_active
    with world.db.read() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        assert space.default_workflow_id is None
    listing = unescape(world.browser("admin").get(BASE).text)
    assert "Deactivated" in listing and "Space default" not in listing
    edit = world.browser("admin").get(f"{BASE}/{standard.id}/edit")
    assert edit.status_code == 409
    again = post_form(world, "admin", url, {})
    assert again.status_code == 409
    assert "already deactivated" in again.text


def test_an_admin_assigns_pages_and_makes_a_workflow_the_default(
    world: World,
) -> None:
    post_form(world, "admin", BASE + "/new", two_steps(world))
    created = workflows(world)[-1]
    chosen = world.page_ids[27:29]
    form = world.browser("admin").get(f"{BASE}/{created.id}/pages")
    assert form.status_code == 200 and "Guide 27" in form.text
    response = post_form(
        world,
        "admin",
        f"{BASE}/{created.id}/pages",
        {"page": [str(page_id) for page_id in chosen]},
    )
    assert response.status_code == 303
    with world.db.read() as session:
        assigned = session.scalars(
            select(Page.id).where(Page.workflow_id == created.id).order_by(Page.id)
        ).all()
        assert list(assigned) == chosen
    tree = unescape(world.browser("admin").get("/spaces/DOCS").text)
    assert tree.count("Legal review") >= 2
    default = post_form(world, "admin", f"{BASE}/{created.id}/default", {})
    assert default.status_code == 303
    with world.db.read() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        assert space.default_workflow_id == created.id


def test_assigning_nothing_or_foreign_pages_is_refused(world: World) -> None:
    url = f"{BASE}/1/pages"
    empty = post_form(world, "admin", url, {})
    assert empty.status_code == 400
    assert "Tick at least one page" in unescape(empty.text)
    junk = post_form(world, "admin", url, {"page": ["1x"]})
    assert junk.status_code == 400
    foreign = post_form(world, "admin", url, {"page": ["999999"]})
    assert foreign.status_code == 400
    assert "is not in this workflow's space" in unescape(foreign.text)


@pytest.mark.parametrize(
    "path", ["/new", "/1/edit", "/1/deactivate", "/1/default", "/1/pages"]
)
def test_every_workflow_form_refuses_a_post_without_the_csrf_token(
    world: World, path: str
) -> None:
    before = workflows(world)
    response = world.browser("admin").post(
        BASE + path, data={**two_steps(world), "page": "1"}
    )
    assert response.status_code == 403
    assert "The form expired" in response.text
    after = workflows(world)
    assert [(w.name, w.revision, w.is_active) for w in after] == [
        (w.name, w.revision, w.is_active) for w in before
    ]


@pytest.mark.parametrize(
    "path", ["/new", "/1/edit", "/1/deactivate", "/1/default", "/1/pages"]
)
def test_an_editor_cannot_change_workflows(world: World, path: str) -> None:
    before = [(w.name, w.revision, w.is_active) for w in workflows(world)]
    denied = len(events(world, "auth.denied"))
    response = post_form(
        world, "editor", BASE + path, {**two_steps(world), "page": "1"}
    )
    assert response.status_code == 403
    assert [(w.name, w.revision, w.is_active) for w in workflows(world)] == before
    assert len(events(world, "auth.denied")) == denied + 1


def test_a_workflow_of_another_space_is_not_found(world: World) -> None:
    with world.db.read() as session:
        ops_id = session.scalars(select(Space.id).where(Space.key == "OPS")).one()
    response = world.browser("admin").get(f"{BASE}/{ops_id + 1000}/edit")
    assert response.status_code == 404


def test_a_picker_form_may_send_more_fields_than_a_login(world: World) -> None:
    every = [str(page_id) for page_id in world.page_ids] * 2  # 60 ticked boxes
    response = post_form(world, "admin", f"{BASE}/1/pages", {"page": every})
    assert response.status_code == 303
    with world.db.read() as session:
        assigned = session.scalars(select(Page.id).where(Page.workflow_id == 1)).all()
        assert sorted(assigned) == sorted(world.page_ids)
