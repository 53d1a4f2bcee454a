"""Concurrent requests over HTTP against the real server, on SQLite and PostgreSQL.

Racers on their own connections are released together at the REST API; afterwards
the database must hold exactly what the responses claimed: every 2xx a stored
decision, no decision twice, one completion per review, no 5xx. The SQLite writer
test carries a negative control: the same load on an engine that begins its
transactions DEFERRED must fail, so a pass is known to mean something.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session

from factories import (
    by,
    make_change_set,
    make_group,
    make_page,
    make_space,
    make_user,
    make_workflow,
)
from factories import step as step_of
from reliability.figures import record, repetitions
from signoff.actions.approvals import do_submit_page
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    Decision,
    OutboxMessage,
    Page,
    Space,
    User,
)
from signoff.db.session import SQLITE_PRAGMAS, Database
from signoff.domain.states import Role, Rule

from .racing import (
    API,
    REPLAYED,
    Call,
    Job,
    Racers,
    Site,
    approve,
    build_app,
    edit,
    error_of,
    mint_tokens,
    record_race,
    reject,
    send,
    serve,
    server_errors,
    statuses,
    submit,
)

QUORUM_APPROVERS = 100
QUORUM = 3
CLICKS = 20
STILL_RUNNING = "A request with this Idempotency-Key is still running."


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> FastAPI:
    return build_app(db_url, tmp_path)


@pytest.fixture
def site(app: FastAPI) -> Iterator[Site]:
    with serve(app) as served:
        yield served


# --- a space, its people and its reviews ---------------------------------------


def _get(session: Session, model: type[Any], ident: int) -> Any:
    found = session.get(model, ident)
    assert found is not None, f"{model.__name__} {ident} is missing"
    return found


@dataclass
class Team:
    """A space with an admin, an author (editor) and approvers (viewers)."""

    db: Database
    space_id: int
    admin_id: int
    author_id: int
    people: list[int]
    tokens: dict[int, str]
    titles: Iterator[int] = field(default_factory=itertools.count)

    @property
    def author(self) -> str:
        return self.tokens[self.author_id]

    def use_workflow(
        self,
        rule: Rule,
        named: Sequence[int],
        *,
        group: Sequence[int] = (),
        quorum: int | None = None,
    ) -> None:
        """One step over `named` people (and one group seat), the space default."""
        with self.db.write() as s:
            people = [_get(s, User, person) for person in named]
            members = [_get(s, User, person) for person in group]
            groups = [make_group(s, "reviewers", members)] if members else []
            make_workflow(
                s,
                _get(s, Space, self.space_id),
                _get(s, User, self.admin_id),
                [step_of(*people, groups=groups, rule=rule, quorum=quorum)],
                space_default=True,
            )

    def new_page(self, *, submitted: bool = True) -> int:
        """A page by the author at version 1, submitted for review unless told not."""
        with self.db.write() as s:
            author = _get(s, User, self.author_id)
            space = _get(s, Space, self.space_id)
            page = make_page(s, space, author, title=f"Page {next(self.titles)}")
            if submitted:
                do_submit_page(s, page, **by(author))
            return page.id


def make_team(db: Database, approvers: int) -> Team:
    with db.write() as s:
        admin, author = make_user(s, "admin"), make_user(s, "author")
        people = [make_user(s, f"approver{n}") for n in range(approvers)]
        space = make_space(
            s,
            admin=admin,
            members={author: Role.editor, **dict.fromkeys(people, Role.viewer)},
        )
        ids = (space.id, admin.id, author.id, [person.id for person in people])
    tokens = mint_tokens(db, [author, *people])
    return Team(db, *ids, tokens=tokens)


@dataclass(frozen=True)
class Ledger:
    """What the database holds about a page's latest review."""

    status: str
    version: int
    decisions: list[tuple[int, str, int]]  # (approver, kind, version), in order
    events: list[tuple[str, int | None]]  # (action, actor), in chain order
    outbox: Counter[str]  # messages queued for the review, by kind

    @property
    def approvers(self) -> list[int]:
        return [approver for approver, _, _ in self.decisions]

    def count(self, action: str) -> int:
        return sum(1 for done, _ in self.events if done == action)


def ledger(db: Database, page_id: int) -> Ledger:
    with db.read() as s:
        page = _get(s, Page, page_id)
        request = _get(s, ApprovalRequest, page.latest_request_id)
        decisions = s.execute(
            select(Decision.approver_id, Decision.kind, Decision.page_version)
            .where(Decision.request_id == request.id)
            .order_by(Decision.id)
        )
        events = s.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.request_id == request.id)
            .order_by(AuditEvent.seq)
        )
        messages = s.scalars(
            select(OutboxMessage).where(OutboxMessage.space_id == request.space_id)
        )
        return Ledger(
            request.status,
            request.page_version,
            [(who, kind, version) for who, kind, version in decisions],
            [(action, actor) for action, actor in events],
            Counter(
                m.kind for m in messages if m.payload.get("requestId") == request.id
            ),
        )


def winners(people: Sequence[int], responses: Sequence[httpx.Response]) -> set[int]:
    return {
        person
        for person, response in zip(people, responses, strict=True)
        if response.status_code == 200
    }


def page_status(racers: Racers, token: str, page_id: int) -> Any:
    response = racers.clients[0].get(
        f"/api/v1/pages/status?pageId={page_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


# --- C1: the quorum race ---------------------------------------------------------


def test_quorum_race_completes_the_review_exactly_once(site: Site) -> None:
    team = make_team(site.db, QUORUM_APPROVERS)
    team.use_workflow(Rule.quorum, team.people, quorum=QUORUM)
    with Racers(site.base_url, QUORUM_APPROVERS) as racers:
        for _ in range(repetitions(2, 50)):
            page = team.new_page()
            responses = racers.race(
                [approve(team.tokens[p], page, 1) for p in team.people]
            )
            won, held = winners(team.people, responses), ledger(site.db, page)
            completions = held.count("approval.approved")
            record_race(
                lost=len(won - set(held.approvers)),
                duplicates=len(held.approvers)
                - len(set(held.approvers))
                + max(0, completions - 1),
                failed=server_errors(responses),
            )
            assert statuses(responses) == {200: QUORUM, 409: QUORUM_APPROVERS - QUORUM}
            assert all(
                "pending" in error_of(r) for r in responses if r.status_code == 409
            )
            assert sorted(held.approvers) == sorted(won)
            assert {(kind, version) for _, kind, version in held.decisions} == {
                ("approve", 1)
            }
            assert held.status == "approved"
            assert (completions, held.count("approval.step_completed")) == (1, 1)
            assert held.outbox["approval.approved"] == 1


# --- C2: the double click --------------------------------------------------------


def test_double_click_records_one_decision(site: Site) -> None:
    team = make_team(site.db, 2)
    team.use_workflow(Rule.all, team.people)
    clicker = team.people[0]
    with Racers(site.base_url, CLICKS) as racers:
        for _ in range(repetitions(3, 50)):
            page = team.new_page()
            responses = racers.race([approve(team.tokens[clicker], page, 1)] * CLICKS)
            held = ledger(site.db, page)
            record_race(
                lost=int(200 in statuses(responses) and not held.decisions),
                duplicates=max(0, len(held.decisions) - 1),
                failed=server_errors(responses),
            )
            assert statuses(responses) == {200: 1, 409: CLICKS - 1}
            assert {error_of(r) for r in responses if r.status_code == 409} == {
                "You have already decided on this step."
            }
            assert held.decisions == [(clicker, "approve", 1)]
            assert (held.status, held.count("approval.decided")) == ("pending", 1)


# --- C9: an approval racing an edit ------------------------------------------------


def test_approval_racing_an_edit_never_lands_on_the_new_version(site: Site) -> None:
    """Carol approves the version under review, Dave the next one, the author saves it.

    Either Carol's approval commits first (the page is approved at that version and
    the edit then makes it stale) or the edit does (the review is superseded and
    Carol is refused). Dave names a version nobody asked him to review: refused.
    """
    team = make_team(site.db, 2)
    carol, dave = team.people
    team.use_workflow(Rule.any, [carol, dave])
    page, version = team.new_page(), 1
    with Racers(site.base_url, 3) as racers:
        for _ in range(repetitions(5, 50)):
            before = _last_event(site.db)
            approved, early, edited = racers.race(
                [
                    approve(team.tokens[carol], page, version),
                    approve(team.tokens[dave], page, version + 1),
                    edit(team.author, page, version + 1, f"<p>v{version + 1}</p>"),
                ]
            )
            held = ledger(site.db, page)
            carol_won = approved.status_code == 200
            record_race(
                lost=int(carol_won and held.approvers != [carol]),
                duplicates=max(0, len(held.decisions) - 1),
                failed=server_errors([approved, early, edited]),
            )
            assert (edited.status_code, early.status_code) == (200, 409)
            assert approved.status_code in (200, 409), approved.text
            assert held.version == version
            assert held.decisions == (
                [(carol, "approve", version)] if carol_won else []
            )
            assert held.status == ("approved" if carol_won else "superseded")
            assert _told(site.db, page, after=before) == (
                [
                    "approval.decided",
                    "approval.approved",
                    "page.edited",
                    "approval.stale",
                ]
                if carol_won
                else ["page.edited", "approval.superseded"]
            )
            shown = page_status(racers, team.author, page)
            assert shown["currentPageVersion"] == version + 1
            assert shown["approvedAtVersion"] != version + 1
            if carol_won:
                assert (shown["approvedAtVersion"], shown["isStale"]) == (version, True)
            version += 1
            assert racers.send(submit(team.author, page)).status_code == 200
    assert _approved_without_approvals_on_their_version(site.db, page) == []


TOLD = (
    "approval.decided",
    "approval.approved",
    "page.edited",
    "approval.superseded",
    "approval.stale",
)


def _last_event(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(AuditEvent.id))) or 0)


def _told(db: Database, page_id: int, *, after: int) -> list[str]:
    """What the audit trail says happened to the page since event `after`, in order."""
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.id > after,
                    AuditEvent.page_id == page_id,
                    AuditEvent.action.in_(TOLD),
                )
                .order_by(AuditEvent.seq)
            )
        )


def _approved_without_approvals_on_their_version(
    db: Database, page_id: int
) -> list[int]:
    """Approved reviews of the page lacking an approval at the version they cover."""
    with db.read() as s:
        reviews = s.scalars(
            select(ApprovalRequest).where(
                ApprovalRequest.page_id == page_id, ApprovalRequest.status == "approved"
            )
        ).all()
        return [
            review.version_id
            for review in reviews
            if not s.scalar(
                select(func.count()).where(
                    Decision.request_id == review.id,
                    Decision.kind == "approve",
                    Decision.page_version == review.page_version,
                )
            )
        ]


# --- C10: the last approval racing a rejection --------------------------------------


def test_last_approval_racing_a_rejection_ends_one_way(site: Site) -> None:
    """An all-approvers step: Carol's seat, and a group seat any reviewer may fill.

    With Carol's approval in, two reviewers approve (either fills the last seat) while
    two reject (either fails the step). Whoever commits first decides; the rest are
    refused, and the audit trail tells the same story as the final state.
    """
    team = make_team(site.db, 5)
    carol, *reviewers = team.people
    team.use_workflow(Rule.all, [carol], group=reviewers)
    kinds = ["approve", "approve", "reject", "reject"]
    with Racers(site.base_url, len(reviewers)) as racers:
        for _ in range(repetitions(5, 50)):
            page = team.new_page()
            assert racers.send(approve(team.tokens[carol], page, 1)).status_code == 200
            responses = racers.race(
                [
                    (approve if kind == "approve" else reject)(
                        team.tokens[person], page, 1
                    )
                    for person, kind in zip(reviewers, kinds, strict=True)
                ]
            )
            held = ledger(site.db, page)
            won = winners(reviewers, responses)
            record_race(
                lost=len(won - set(held.approvers)),
                duplicates=max(0, len(held.decisions) - 2),
                failed=server_errors(responses),
            )
            assert statuses(responses) == {200: 1, 409: 3}
            (winner,) = won
            kind = kinds[reviewers.index(winner)]
            outcome = "approved" if kind == "approve" else "rejected"
            assert held.decisions == [(carol, "approve", 1), (winner, kind, 1)]
            assert held.status == outcome
            assert [e for e in held.events if e[0] != "approval.submitted"] == [
                ("approval.decided", carol),
                ("approval.decided", winner),
                ("approval.step_completed", winner),
                (f"approval.{outcome}", winner),
            ]
            shown = page_status(racers, team.author, page)
            assert shown["approvalStatus"] == outcome


# --- C4: the same idempotency key, many times at once ------------------------------


@pytest.mark.parametrize("endpoint", ["approve", "submit"])
def test_idempotent_retries_at_once_take_effect_once(site: Site, endpoint: str) -> None:
    team = make_team(site.db, 2)
    team.use_workflow(Rule.all, team.people)
    with Racers(site.base_url, CLICKS) as racers:
        for trial in range(repetitions(3, 50)):
            key = {"Idempotency-Key": f"{endpoint}-{trial}"}
            if endpoint == "approve":
                page = team.new_page()
                call = approve(team.tokens[team.people[0]], page, 1, **key)
            else:
                page = team.new_page(submitted=False)
                call = submit(team.author, page, **key)
            responses = racers.race([call] * CLICKS)
            effects = _effects(site.db, page, endpoint)
            originals = [
                r
                for r in responses
                if r.status_code == 200 and REPLAYED not in r.headers
            ]
            record_race(
                lost=int(bool(originals) and effects == 0),
                duplicates=max(0, effects - 1) + max(0, len(originals) - 1),
                failed=server_errors(responses),
            )
            assert set(statuses(responses)) <= {200, 409}, statuses(responses)
            assert len(originals) == 1
            assert effects == 1
            first = originals[0].content
            assert all(r.content == first for r in responses if r.status_code == 200)
            assert all(
                error_of(r) == STILL_RUNNING for r in responses if r.status_code == 409
            )
            retried = racers.send(call)
            assert (retried.content, retried.headers[REPLAYED]) == (first, "true")


def _effects(db: Database, page_id: int, endpoint: str) -> int:
    """Decisions recorded on the page (approve) or reviews opened on it (submit)."""
    with db.read() as s:
        counted = select(func.count()).select_from(
            Decision if endpoint == "approve" else ApprovalRequest
        )
        if endpoint == "approve":
            counted = counted.join(ApprovalRequest).where(
                ApprovalRequest.page_id == page_id
            )
        else:
            counted = counted.where(ApprovalRequest.page_id == page_id)
        return int(s.scalar(counted) or 0)


# --- a change-set submit racing edits of its pages ----------------------------------

CHANGE_SET_PAGES = 8


def _change_set(team: Team, trial: int) -> tuple[int, list[int]]:
    with team.db.write() as s:
        author = _get(s, User, team.author_id)
        space = _get(s, Space, team.space_id)
        pages = [
            make_page(s, space, author, title=f"Set {trial} page {n}")
            for n in range(CHANGE_SET_PAGES)
        ]
        change_set = make_change_set(s, space, author, pages, title=f"Set {trial}")
        return change_set.id, [page.id for page in pages]


def _reviews(db: Database, change_set_id: int) -> list[tuple[int, int, str, int]]:
    """(page, reviewed version, status, current version) of each review in the set."""
    with db.read() as s:
        rows = s.execute(
            select(
                ApprovalRequest.page_id,
                ApprovalRequest.page_version,
                ApprovalRequest.status,
                Page.current_version,
            )
            .join(Page, Page.id == ApprovalRequest.page_id)
            .where(ApprovalRequest.change_set_id == change_set_id)
            .order_by(ApprovalRequest.page_id)
        )
        return [(page, version, status, now) for page, version, status, now in rows]


def test_change_set_submit_racing_edits_of_its_pages(site: Site) -> None:
    """The bulk submit locks its pages while edits of the later ones lock each page.

    Every page gets exactly one review: pending on the version now current, or
    superseded when the edit came after it. Neither side may fail: on PostgreSQL a
    submit that locked its pages one by one deadlocked with the edits.
    """
    team = make_team(site.db, 1)
    team.use_workflow(Rule.any, team.people)
    with Racers(site.base_url, CHANGE_SET_PAGES) as racers:
        for trial in range(repetitions(5, 50)):
            change_set, pages = _change_set(team, trial)
            body = {"changeSetId": str(change_set)}
            responses = racers.race(
                [
                    Call("POST", f"{API}/changeSets/submit", team.author, body),
                    *(edit(team.author, page, 2, "<p>v2</p>") for page in pages[1:]),
                ]
            )
            reviews = _reviews(site.db, change_set)
            reviewed = [page for page, *_ in reviews]
            record_race(
                lost=len(set(pages) - set(reviewed)),
                duplicates=len(reviewed) - len(set(reviewed)),
                failed=server_errors(responses),
            )
            assert statuses(responses) == {200: CHANGE_SET_PAGES}
            assert responses[0].json()["submittedCount"] == CHANGE_SET_PAGES
            assert reviewed == sorted(pages)
            for _, version, status, current in reviews:
                assert status == ("pending" if version == current else "superseded")


# --- C12: writers contending for SQLite's one write lock ----------------------------


@dataclass(frozen=True)
class Desk:
    """One writer's page, with the tokens of its editor and of its approver."""

    page_id: int
    editor: str
    approver: str


def make_desks(db: Database, count: int) -> list[Desk]:
    """Pages owned by their own editors; any approver may approve any of them."""
    with db.write() as s:
        admin = make_user(s, "admin")
        editors = [make_user(s, f"editor{n}") for n in range(count)]
        approvers = [make_user(s, f"approver{n}") for n in range(count)]
        space = make_space(
            s,
            admin=admin,
            members={
                **dict.fromkeys(editors, Role.editor),
                **dict.fromkeys(approvers, Role.viewer),
            },
        )
        make_workflow(
            s, space, admin, [step_of(*approvers, rule=Rule.any)], space_default=True
        )
        pages = [make_page(s, space, e, title=f"Page {e.id}") for e in editors]
        page_ids = [page.id for page in pages]
    tokens = mint_tokens(db, [*editors, *approvers])
    return [
        Desk(page, tokens[editor.id], tokens[approver.id])
        for page, editor, approver in zip(page_ids, editors, approvers, strict=True)
    ]


def writer(desk: Desk, rounds: int, dropped: list[httpx.TransportError]) -> Job:
    """Rounds of edit, submit, approve on one page: read-then-write transactions.

    A request the server never answered (it closes the connection after a 500) is
    kept in `dropped`, and the writer carries on, as a client would.
    """

    def job(client: httpx.Client) -> list[httpx.Response]:
        answers: list[httpx.Response] = []

        def go(call: Call) -> int:
            try:
                answers.append(send(client, call))
            except httpx.TransportError as drop:
                dropped.append(drop)
                return 0
            return answers[-1].status_code

        version = 1
        for round_ in range(rounds):
            page, text = desk.page_id, f"<p>{round_}</p>"
            version += go(edit(desk.editor, page, version + 1, text)) == 200
            go(submit(desk.editor, page))
            go(approve(desk.approver, page, version))
        return answers

    return job


WRITERS = repetitions(12, 32)
ROUNDS = repetitions(3, 50)


@dataclass
class Contention:
    desks: list[Desk]
    responses: list[httpx.Response]
    dropped: list[httpx.TransportError]


def contend(site: Site) -> Contention:
    """Every writer works its own page at once; all append to one audit chain."""
    desks = make_desks(site.db, WRITERS)
    dropped: list[httpx.TransportError] = []
    with Racers(site.base_url, WRITERS) as racers:
        answers = racers.run_together([writer(d, ROUNDS, dropped) for d in desks])
    return Contention(desks, [r for each in answers for r in each], dropped)


def test_concurrent_writers_all_commit(site: Site) -> None:
    contention = contend(site)
    desks, responses = contention.desks, contention.responses
    with site.db.read() as s:
        versions = [_get(s, Page, desk.page_id).current_version for desk in desks]
        approvals = s.scalar(select(func.count()).select_from(Decision)) or 0
        approved = s.scalar(
            select(func.count()).where(ApprovalRequest.status == "approved")
        )
    approved_2xx = sum(
        1 for r in responses if r.status_code == 200 and r.url.path.endswith("approve")
    )
    record_race(
        lost=max(0, approved_2xx - approvals),
        duplicates=max(0, approvals - approved_2xx),
        failed=server_errors(responses),
    )
    assert contention.dropped == []
    assert statuses(responses) == {200: WRITERS * ROUNDS * 3}
    assert versions == [1 + ROUNDS] * WRITERS
    assert approvals == approved == WRITERS * ROUNDS


def deferred_engine(url: str) -> Engine:
    """The product's SQLite engine, except that transactions begin DEFERRED.

    A deferred transaction reads first and asks for the write lock only when it
    writes; if another writer committed in between, SQLite refuses at once with
    SQLITE_BUSY, whatever the busy timeout.
    """
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@pytest.fixture
def deferred_site(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Site, list[str]]]:
    """The app serving from a DEFERRED engine; yields it and the lock errors seen."""
    app = build_app(sqlite_url, tmp_path)
    engine = deferred_engine(sqlite_url)
    locked: list[str] = []

    @event.listens_for(engine, "handle_error")
    def _seen(context: ExceptionContext) -> None:
        if "database is locked" in str(context.original_exception):
            locked.append(str(context.original_exception))

    app.state.db = Database(engine)
    with serve(app) as served:
        yield served, locked
    engine.dispose()


def test_deferred_begin_control_surfaces_database_is_locked(
    deferred_site: tuple[Site, list[str]],
) -> None:
    """The negative control: without BEGIN IMMEDIATE the same load fails visibly."""
    site, locked = deferred_site
    contention = contend(site)
    record("races run", 1)
    assert locked, "a DEFERRED engine raised no SQLITE_BUSY: the test cannot see it"
    assert server_errors(contention.responses) + len(contention.dropped) >= 1
