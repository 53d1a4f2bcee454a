"""The byline's "Claim review" and "Release claim", and the queue's "Claimed by NAME
until TIME", through the real app on both databases (a claim is a write: each
backend must store and read it alike)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from factories import AT, by, make_page, make_space, make_user, make_workflow, step
from oauth.support import Browser, Clock, Site
from signoff.actions.approvals import do_submit_page
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import ReviewClaim
from signoff.db.session import Database
from signoff.domain.states import Role, Rule
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import csrf

PEOPLE = ("admin", "editor", "approver", "second", "viewer")
CLAIMED_BY_APPROVER = "Claimed by Approver until"
UNTIL = "2026-01-05 13:00 UTC"  # AT (09:00) and the default four hours


@dataclass
class Claims:
    site: Site
    db: Database
    clock: Clock
    page_id: int
    browsers: dict[str, Browser] = field(default_factory=dict)

    @property
    def page_url(self) -> str:
        return f"/spaces/DOCS/pages/{self.page_id}"

    def page(self, role: str) -> str:
        response = self.browsers[role].get(self.page_url)
        assert response.status_code == 200, response.text
        return response.text

    def press(self, role: str, verb: str) -> httpx.Response:
        token = csrf(self.page(role))
        return self.browsers[role].post(
            f"{self.page_url}/{verb}", data={"csrf_token": token}
        )

    def queue(self, role: str) -> str:
        response = self.browsers[role].get("/queue?tab=pending")
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
def claims(db_url: str, tmp_path: Path) -> Iterator[Claims]:
    """Approver and second each hold a seat of the one step (any one approves);
    the editor has submitted the page."""
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=db_url))
    clock = Clock(AT)
    app.state.clock = clock
    db: Database = app.state.db
    secrets: dict[str, str] = {}
    with db.write() as session:
        people = {role: make_user(session, role) for role in PEOPLE}
        space = make_space(
            session,
            "DOCS",
            admin=people["admin"],
            members={
                people["editor"]: Role.editor,
                people["approver"]: Role.viewer,
                people["second"]: Role.viewer,
                people["viewer"]: Role.viewer,
            },
        )
        page = make_page(session, space, people["editor"])
        make_workflow(
            session,
            space,
            people["admin"],
            [step(people["approver"], people["second"], rule=Rule.any)],
            pages=[page],
        )
        do_submit_page(session, page, **by(people["editor"]))
        for role, person in people.items():
            secrets[role] = do_sign_in(session, person, **by(None, now=clock())).secret
        page_id = page.id
    site = Site(app)
    world = Claims(site, db, clock, page_id)
    for role, secret in secrets.items():
        browser = site.browser()
        browser.client.cookies.set(SESSION_COOKIE, secret)
        world.browsers[role] = browser
    yield world
    site.close()
    db.dispose()


def test_an_approver_is_offered_claim_review(claims: Claims) -> None:
    html = claims.page("approver")
    assert ">Claim review</button>" in html
    assert "Release claim" not in html


@pytest.mark.parametrize("role", ["editor", "viewer", "admin"])
def test_someone_who_may_not_decide_is_not_offered_claim_review(
    claims: Claims, role: str
) -> None:
    assert "Claim review" not in claims.page(role)


def test_claiming_shows_on_the_page_and_in_the_queue(claims: Claims) -> None:
    response = claims.press("approver", "claim")
    assert response.status_code == 303
    mine = claims.page("approver")
    assert ">Release claim</button>" in mine
    assert ">Claim review</button>" not in mine
    assert f"{CLAIMED_BY_APPROVER} " in mine
    assert UNTIL in mine
    others = claims.page("second")
    assert "Claim review" not in others
    assert "Release claim" not in others
    assert ">Approve</button>" in others  # a claim is advisory
    queue = claims.queue("second")
    assert CLAIMED_BY_APPROVER in queue
    assert UNTIL in queue


def test_a_second_claim_is_refused_on_the_page_naming_the_claimant(
    claims: Claims,
) -> None:
    token = csrf(claims.page("second"))
    claims.press("approver", "claim")
    response = claims.browsers["second"].post(
        f"{claims.page_url}/claim", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert (
        "Approver has claimed the review of &#39;Policy&#39; until "
        "2026-01-05 13:00 UTC." in response.text
    )


def test_releasing_the_claim_takes_it_off_the_page_and_the_queue(
    claims: Claims,
) -> None:
    claims.press("approver", "claim")
    response = claims.press("approver", "release-claim")
    assert response.status_code == 303
    assert "Claimed by" not in claims.page("approver")
    assert "Claimed by" not in claims.queue("second")
    assert ">Claim review</button>" in claims.page("second")


def test_an_expired_claim_leaves_the_page_and_the_queue(claims: Claims) -> None:
    claims.press("approver", "claim")
    with claims.db.write() as session:
        session.execute(update(ReviewClaim).values(expires_at=AT - timedelta(1)))
    assert "Claimed by" not in claims.queue("second")
    assert ">Claim review</button>" in claims.page("second")


def test_a_claim_without_the_form_token_is_refused(claims: Claims) -> None:
    response = claims.browsers["approver"].post(f"{claims.page_url}/claim", data={})
    assert response.status_code == 403
    assert "Claimed by" not in claims.page("approver")
