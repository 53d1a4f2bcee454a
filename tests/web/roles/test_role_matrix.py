"""Every page of the UI, for every role: who sees it, who is refused and how.

Members of the space read its pages; editing needs the editor role; workflows, the
audit trail and analytics need the admin role (403, audited); a person outside the
space gets 404, as in the API; a visitor without a session is sent to sign in.
"""

from __future__ import annotations

from web.conftest import World

ROLES = ("admin", "editor", "approver", "viewer", "outsider")
OK, REFUSED, HIDDEN = 200, 403, 404
EVERYONE = dict.fromkeys(ROLES, OK)
MEMBERS = {**EVERYONE, "outsider": HIDDEN}
EDITORS = {**MEMBERS, "viewer": REFUSED}
ADMINS = {**MEMBERS, "editor": REFUSED, "approver": REFUSED, "viewer": REFUSED}

# `{page}` is the first page of DOCS (approved), `{set}` a change set of DOCS.
MATRIX: dict[str, dict[str, int]] = {
    "/spaces": EVERYONE,
    "/spaces/DOCS": MEMBERS,
    "/spaces/DOCS/pages/{page}": MEMBERS,
    "/spaces/DOCS/pages/{page}/edit": EDITORS,
    "/spaces/DOCS/new": EDITORS,
    "/queue": EVERYONE,
    "/queue?status=approved": EVERYONE,
    "/changesets": EVERYONE,
    "/changesets/new?space=DOCS": EDITORS,
    "/changesets/{set}": MEMBERS,
    "/changesets/{set}/edit": EDITORS,
    "/changesets/{set}/review": MEMBERS,
    "/account": EVERYONE,
    "/inbox": EVERYONE,
    "/audit": EVERYONE,
    "/audit?space=DOCS": ADMINS,
    "/analytics": EVERYONE,
    "/analytics/DOCS": ADMINS,
    "/spaces/DOCS/workflows": ADMINS,
    "/spaces/DOCS/webhooks": ADMINS,
    "/admin/outbox": dict.fromkeys(ROLES, REFUSED),
    "/spaces/DOCS/workflows/new": ADMINS,
    "/spaces/DOCS/workflows/1/edit": ADMINS,
    "/spaces/DOCS/workflows/1/pages": ADMINS,
}


def _path(template: str, world: World, change_set_id: int) -> str:
    return template.format(page=world.page_ids[0], set=change_set_id)


def test_each_page_answers_each_role_as_the_matrix_says(
    with_change_set: tuple[World, int],
) -> None:
    world, change_set_id = with_change_set
    browsers = {role: world.browser(role) for role in ROLES}
    seen = {
        template: {
            role: browsers[role].get(_path(template, world, change_set_id)).status_code
            for role in ROLES
        }
        for template in MATRIX
    }
    assert seen == MATRIX


def test_each_page_sends_a_visitor_without_a_session_to_sign_in(
    with_change_set: tuple[World, int],
) -> None:
    world, change_set_id = with_change_set
    stranger = world.site.browser()
    for template in MATRIX:
        response = stranger.get(_path(template, world, change_set_id))
        assert response.status_code == 303, template
        assert response.headers["location"].startswith("/login?next="), template


def test_a_viewer_sees_no_byline_button_that_would_change_anything(
    world: World,
) -> None:
    page = world.browser("viewer").get(f"/spaces/DOCS/pages/{world.page_ids[3]}")
    assert page.status_code == 200
    for button in ("Request approval", "Approve", "Reject", "Withdraw"):
        assert f">{button}</button>" not in page.text
    assert "/edit" not in page.text
    # The same markup is there for those it applies to.
    draft = f"/spaces/DOCS/pages/{world.page_ids[27]}"
    assert ">Request approval</button>" in world.browser("editor").get(draft).text
    pending = f"/spaces/DOCS/pages/{world.page_ids[3]}"
    approver = world.browser("approver").get(pending).text
    assert ">Approve</button>" in approver and ">Reject</button>" in approver
