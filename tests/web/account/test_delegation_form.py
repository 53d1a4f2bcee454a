"""The account page's Delegation section: set a delegate for dates, see it, revoke
it; a refused range is shown on the page and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from signoff.db.models import Delegation
from web.conftest import World, csrf


def _set(world: World, role: str, delegate: str, start: str, end: str) -> str:
    browser = world.browser(role)
    page = browser.get("/account").text
    response = browser.post(
        "/account/delegations",
        data={
            "csrf_token": csrf(page),
            "delegate": delegate,
            "from": start,
            "to": end,
        },
    )
    return response.text if response.status_code != 303 else ""


def _delegations(world: World) -> list[Delegation]:
    with world.db.read() as session:
        return list(session.scalars(select(Delegation)))


def test_the_account_page_offers_set_delegate(world: World) -> None:
    page = world.browser("approver").get("/account").text
    assert '<h2 id="delegation-heading">Delegation</h2>' in page
    assert ">Set delegate</button>" in page


def test_a_delegate_set_on_the_page_is_listed_and_can_be_revoked(
    world: World,
) -> None:
    assert _set(world, "approver", "viewer", "2026-01-05", "2026-01-12") == ""
    [row] = _delegations(world)
    assert (row.user_id, row.delegate_id) == (
        world.ids["approver"],
        world.ids["viewer"],
    )
    browser = world.browser("approver")
    page = browser.get("/account?saved=delegation").text
    assert "Your delegation is saved." in page
    assert ">Revoke</button>" in page
    response = browser.post(
        f"/account/delegations/{row.id}/revoke", data={"csrf_token": csrf(page)}
    )
    assert response.status_code == 303
    [row] = _delegations(world)
    assert row.revoked_at is not None


def test_a_range_ending_before_it_starts_is_refused_on_the_page(
    world: World,
) -> None:
    page = _set(world, "approver", "viewer", "2026-01-12", "2026-01-05")
    assert "The delegation must end after it starts." in page
    with world.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Delegation)) == 0


def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    response = world.browser("approver").post(
        "/account/delegations",
        data={"delegate": "viewer", "from": "2026-01-05", "to": "2026-01-12"},
    )
    assert response.status_code == 403
    assert _delegations(world) == []
