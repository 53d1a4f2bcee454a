"""Crash consistency: `signoff serve` killed with SIGKILL under load, then restarted.

Each trial runs the real server as a process on SQLite or PostgreSQL, drives it from
client threads whose every write carries an `Idempotency-Key`, kills it at a random
moment, starts it again on the same database and replays every call that went
unanswered. Then the database must hold every write a client was told happened,
none twice, no change set half submitted, and an audit trail that verifies and
matches the state, change for change.
"""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from factories import by, make_page, make_space, make_user, make_workflow, step
from reliability.crashing import (
    SIGNOFF,
    STILL_RUNNING,
    SUBMIT_PATH,
    Call,
    Caller,
    Ledger,
    ServerProcess,
    Target,
    decide,
    edit_and_bundle,
)
from reliability.figures import record, repetitions
from signoff.actions.changesets import do_create_change_set
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.idempotency import ABANDONED_AFTER
from signoff.auth.scopes import ALL_SCOPES
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    ChangeSet,
    Decision,
    IdempotencyRecord,
    PageVersion,
    RequestStep,
    Space,
    User,
)
from signoff.db.session import Database, make_engine
from signoff.domain.states import Origin, Role

pytestmark = pytest.mark.slow

EDITORS = ("alice", "bob")  # alice is the space admin, bob an editor
APPROVERS = ("carol", "dave")  # the two seats of the space's one-step workflow
LOAD_PAGES = 16
BULK_PAGES = 300
KILL_WINDOW_S = (0.3, 2.0)
BULK_KILL_WINDOW_S = (0.0, 0.2)  # after its key is claimed; the submit runs longer
TEST_APPLICATION = "signoff-crash-test"  # how the test's own PostgreSQL sessions look
WAIT_S = 30.0


@dataclass
class World:
    db: Database
    db_url: str
    tokens: dict[str, str]
    target: Target

    @property
    def is_postgres(self) -> bool:
        return not self.db.is_sqlite


def build_world(db_url: str) -> World:
    """Four people, one space with a one-step workflow of two seats, some pages."""
    options = (
        {} if db_url.startswith("sqlite") else {"application_name": TEST_APPLICATION}
    )
    db = Database(make_engine(db_url, connect_args=options))
    with db.write() as s:
        alice = make_user(s, "alice", site_admin=True)
        bob, carol, dave = (make_user(s, name) for name in ("bob", "carol", "dave"))
        space = make_space(
            s,
            admin=alice,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        make_workflow(s, space, alice, [step(carol, dave)], space_default=True)
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        people = (alice, bob, carol, dave)
        tokens = {
            user.username: do_create_token(
                s, user, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )[1]
            for user in people
        }
        pages = [make_page(s, space, bob, f"Load {n}").id for n in range(LOAD_PAGES)]
        target = Target(space.id, pages, {u.username: u.account_id for u in people})
    return World(db, db_url, tokens, target)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    built = build_world(db_url)
    yield built
    built.db.dispose()


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.db_url, tmp_path)
    process.start()
    yield process
    process.stop()


def callers(server: ServerProcess, world: World, ledger: Ledger) -> dict[str, Caller]:
    return {
        who: Caller(server.url, token, who, ledger)
        for who, token in world.tokens.items()
    }


# The trials.


def mixed_trial(server: ServerProcess, world: World, rng: random.Random) -> Ledger:
    """Editors and approvers at work; SIGKILL at a random moment; restart; replay."""
    ledger = Ledger()
    stop = threading.Event()
    people = callers(server, world, ledger)
    loads = [
        threading.Thread(
            target=work,
            args=(people[who], world.target, random.Random(rng.random()), stop),
        )
        for who, work in [(w, edit_and_bundle) for w in EDITORS]
        + [(w, decide) for w in APPROVERS]
    ]
    for load in loads:
        load.start()
    time.sleep(rng.uniform(*KILL_WINDOW_S))
    killed_sessions = server_sessions(world)
    server.kill()
    stop.set()
    for load in loads:
        load.join()
    for caller in people.values():
        caller.close()
    server.start()
    replay_unanswered(server, world, ledger)
    check_sessions_gone(world, killed_sessions)
    return ledger


def bulk_trial(server: ServerProcess, world: World, rng: random.Random) -> Call:
    """One submit of a 300-page change set, killed while it runs; then replayed."""
    change_set_id = bulk_change_set(world)
    ledger = Ledger()
    submit = Call(
        "bob",
        "POST",
        SUBMIT_PATH,
        {"changeSetId": str(change_set_id)},
        "changeset.submit",
    )
    bob = Caller(server.url, world.tokens["bob"], "bob", ledger)
    sender = threading.Thread(target=bob.send, args=(submit,))
    sender.start()
    wait_for_claim(world, submit.key)
    time.sleep(rng.uniform(*BULK_KILL_WINDOW_S))
    killed_sessions = server_sessions(world)
    server.kill()
    sender.join()
    bob.close()
    assert submit.unanswered, "the kill came after the bulk submit had answered"
    with world.db.read() as s:
        assert in_review(s, change_set_id) in (0, BULK_PAGES)
    server.start()
    replay_unanswered(server, world, ledger)
    check_sessions_gone(world, killed_sessions)
    assert submit.acknowledged, submit.answer
    assert submit.answer["submittedCount"] == BULK_PAGES
    check_trial(server, world, ledger)
    return submit


def replay_unanswered(server: ServerProcess, world: World, ledger: Ledger) -> None:
    """Send every unanswered call again with its key, as a client retrying would.

    A call whose key the dead server had claimed (but not answered) is refused with
    409 while the claim is young; such a claim must hold no effects. The test then
    lets the claims age past `ABANDONED_AFTER` and retries once more.
    """
    people = callers(server, world, ledger)
    try:
        held = []
        for call in ledger.unanswered():
            people[call.who].replay(call)
            if call.status == 409 and STILL_RUNNING in call.answer["error"]:
                held.append(call)
        with world.db.read() as s:
            assert [c.key for c in held if applied(s, c)] == []
        age_open_claims(world.db)
        for call in held:
            people[call.who].replay(call)
            assert STILL_RUNNING not in call.answer.get("error", ""), call.answer
    finally:
        for caller in people.values():
            caller.close()


def age_open_claims(db: Database) -> None:
    """What waiting `ABANDONED_AFTER` would do: unanswered claims become abandoned."""
    with db.write() as s:
        for claim in s.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.response_body.is_(None))
        ):
            claim.created_at -= ABANDONED_AFTER + timedelta(seconds=1)


def bulk_change_set(world: World) -> int:
    """A change set of 300 pages never submitted, made directly by the actions."""
    with world.db.write() as s:
        space = s.get(Space, world.target.space_id)
        bob = s.scalars(select(User).where(User.username == "bob")).one()
        assert space is not None
        first = s.scalar(select(func.count()).select_from(PageVersion)) or 0
        pages = [
            make_page(s, space, bob, f"Bulk {first}-{n}").id for n in range(BULK_PAGES)
        ]
        change_set = do_create_change_set(
            s, space, title="Bulk", page_ids=pages, **by(bob, Origin.cli)
        )
        return change_set.id


def wait_for_claim(world: World, key: str) -> None:
    """Until the server has claimed `key`: from then on it is running the call."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with world.db.read() as s:
            if s.scalar(
                select(IdempotencyRecord.id).where(IdempotencyRecord.key == key)
            ):
                return
        time.sleep(0.005)
    raise AssertionError("the server never claimed the bulk submit's key")


# What the database holds.


def applied(session: Session, call: Call) -> int:
    """How many times `call`'s effect is in the database."""
    key = call.key
    queries: dict[str, Select[Any]] = {
        "approve": select(Decision.id).where(Decision.comment.contains(key)),
        "reject": select(Decision.id).where(Decision.comment.contains(key)),
        "page.edit": select(PageVersion.id).where(PageVersion.body.contains(key)),
        "changeset.create": select(ChangeSet.id).where(ChangeSet.title.contains(key)),
        "changeset.submit": select(AuditEvent.id).where(
            AuditEvent.action == "changeset.submitted",
            AuditEvent.change_set_id == int(call.body.get("changeSetId", 0)),
        ),
    }
    counted = select(func.count()).select_from(queries[call.kind].subquery())
    return session.scalar(counted) or 0


def in_review(session: Session, change_set_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ApprovalRequest)
            .where(ApprovalRequest.change_set_id == change_set_id)
        )
        or 0
    )


def half_submitted(session: Session) -> list[str]:
    """Change sets whose reviews do not match their one `changeset.submitted`."""
    submitted: dict[int | None, int] = {
        event.change_set_id: event.details["submittedCount"]
        for event in _events(session, "changeset.submitted")
    }
    reviews = Counter(
        session.scalars(
            select(ApprovalRequest.change_set_id).where(
                ApprovalRequest.change_set_id.is_not(None)
            )
        )
    )
    return [
        f"change set {cs}: {reviews[cs]} in review, {submitted.get(cs, 0)} submitted"
        for cs in session.scalars(select(ChangeSet.id))
        if reviews[cs] != submitted.get(cs, 0)
    ]


def audit_mismatches(session: Session) -> list[str]:
    """Every state change with other than exactly one audit event, and every event
    without its state change, matched by the ids both record."""
    requests = session.scalars(select(ApprovalRequest)).all()
    steps = session.scalars(
        select(RequestStep).where(RequestStep.status.in_(("approved", "rejected")))
    ).all()
    pairs: dict[str, tuple[Counter[Hashable], Counter[Hashable]]] = {
        "page version": (
            Counter(session.execute(select(PageVersion.page_id, PageVersion.number))),
            Counter(
                (e.page_id, e.page_version)
                for e in _events(session, "page.created", "page.edited")
            ),
        ),
        "decision": (
            Counter(
                session.execute(
                    select(
                        Decision.request_id,
                        Decision.approver_id,
                        Decision.kind,
                        Decision.comment,
                    )
                )
            ),
            Counter(
                (e.request_id, e.actor_id, e.details["decision"], e.details["comment"])
                for e in _events(session, "approval.decided")
            ),
        ),
        "completed step": (
            Counter((s.request_id, s.name, s.status) for s in steps),
            Counter(
                (e.request_id, e.details["step"], e.details["outcome"])
                for e in _events(session, "approval.step_completed")
            ),
        ),
        "change set": (
            Counter(session.scalars(select(ChangeSet.id))),
            Counter(e.change_set_id for e in _events(session, "changeset.created")),
        ),
        "submission": (
            Counter(r.id for r in requests),
            Counter(e.request_id for e in _events(session, "approval.submitted")),
        ),
        "stale approval": (
            Counter(r.id for r in requests if r.stale_at is not None),
            Counter(e.request_id for e in _events(session, "approval.stale")),
        ),
    }
    for outcome in ("approved", "rejected", "superseded", "cancelled"):
        pairs[f"{outcome} review"] = (
            Counter(r.id for r in requests if r.status == outcome),
            Counter(e.request_id for e in _events(session, f"approval.{outcome}")),
        )
    return [
        f"{what} {fact}: {state[fact]} in the state, {audit[fact]} in the audit trail"
        for what, (state, audit) in pairs.items()
        for fact in state.keys() | audit.keys()
        if state[fact] != 1 or audit[fact] != 1
    ]


def _events(session: Session, *actions: str) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)))
    )


def check_trial(server: ServerProcess, world: World, ledger: Ledger) -> None:
    """Record the trial's figures, then hold the database to every promise."""
    with world.db.read() as s:
        times = {call.key: applied(s, call) for call in ledger.calls}
        lost = [c for c in ledger.calls if c.acknowledged and times[c.key] == 0]
        duplicates = sum(max(0, n - 1) for n in times.values())
        record("crash trials", 1)
        record("acknowledged writes lost", len(lost))
        record("duplicates", duplicates)
        record("5xx responses", ledger.server_errors)
        assert lost == [], "acknowledged writes lost"
        assert duplicates == 0, {k: n for k, n in times.items() if n > 1}
        assert ledger.server_errors == 0, server.output()
        assert half_submitted(s) == []
        assert audit_mismatches(s) == []
    if world.db.is_sqlite:
        with world.db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert audit_verify(server) == 0


def audit_verify(server: ServerProcess) -> int:
    """`signoff audit verify` on the trial's database, as a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    args = [str(SIGNOFF), "audit", "verify", "--database-url", server.db_url]
    args += ["--data-dir", str(server.data_dir)]
    done = subprocess.run(args, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.returncode


# PostgreSQL sessions of the killed server.


def server_sessions(world: World) -> set[int]:
    """The backend pids serving the server (every session on the database but ours)."""
    if not world.is_postgres:
        return set()
    with world.db.read() as s:
        return set(
            s.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database()"
                    " AND backend_type = 'client backend'"
                    " AND application_name <> :mine"
                ),
                {"mine": TEST_APPLICATION},
            )
        )


def check_sessions_gone(world: World, killed: set[int]) -> None:
    """The killed server's sessions end, and none is left idle in a transaction."""
    if not world.is_postgres:
        return
    deadline = time.monotonic() + WAIT_S
    while killed & server_sessions(world) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert killed & server_sessions(world) == set()
    with world.db.read() as s:
        idle = s.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND state = 'idle in transaction'"
            )
        )
    assert idle == 0


# The tests.


def test_acknowledged_writes_survive_kill_9_under_mixed_load(
    server: ServerProcess, world: World
) -> None:
    seed = random.randrange(2**32)
    print(f"seed {seed}")  # noqa: T201 (shown with a failure, to replay the trials)
    rng = random.Random(seed)
    trials = repetitions(2, 20)
    for _ in range(trials):
        check_trial(server, world, mixed_trial(server, world, rng))
    assert server.starts == trials + 1


def test_a_bulk_submit_killed_mid_request_is_all_or_nothing_and_replays_once(
    server: ServerProcess, world: World
) -> None:
    rng = random.Random()
    for _ in range(repetitions(1, 5)):
        submit = bulk_trial(server, world, rng)
        retried = Caller(server.url, world.tokens["bob"], "bob", Ledger())
        again = Call("bob", "POST", SUBMIT_PATH, submit.body, submit.kind)
        again.key = submit.key
        retried.replay(again)
        retried.close()
        assert again.answer == submit.answer
        assert reused_with_another_body(server, world, submit).status == 422
        with world.db.read() as s:
            assert applied(s, submit) == 1
            change_set_id = int(submit.body["changeSetId"])
            assert in_review(s, change_set_id) == BULK_PAGES


def reused_with_another_body(server: ServerProcess, world: World, stored: Call) -> Call:
    """`stored`'s key sent again with another body: the key outlived the crash."""
    another = {"changeSetId": str(int(stored.body["changeSetId"]) + 1)}
    other = Call(stored.who, "POST", stored.path, another, stored.kind)
    other.key = stored.key
    caller = Caller(server.url, world.tokens[stored.who], stored.who, Ledger())
    try:
        caller.replay(other)
    finally:
        caller.close()
    return other


def test_the_production_sqlite_engine_is_durable(sqlite_url: str) -> None:
    database = Database(make_engine(sqlite_url))
    try:
        with database.write() as s:
            pragmas = {
                name: s.execute(text(f"PRAGMA {name}")).scalar()
                for name in (
                    "journal_mode",
                    "synchronous",
                    "foreign_keys",
                    "busy_timeout",
                )
            }
    finally:
        database.dispose()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == 2  # FULL: a commit survives power loss too
    assert pragmas["foreign_keys"] == 1
    assert int(pragmas["busy_timeout"] or 0) >= 5000


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_production_postgresql_engine_ends_abandoned_transactions(
    db_url: str,
) -> None:
    database = Database(make_engine(db_url))
    try:
        with database.read() as s:
            setting, source = s.execute(
                text(
                    "SELECT setting, source FROM pg_settings"
                    " WHERE name = 'idle_in_transaction_session_timeout'"
                )
            ).one()
    finally:
        database.dispose()
    assert source == "client"  # set by the engine, whatever the server's default
    assert 0 < int(setting) <= 60_000
