"""The hot writes over `/api/v1` hold the write lock only for the change: the page
status a submit, an approval or a withdrawal answers with is read after the commit,
in a read transaction of its own (both backends).

Statements are collected per transaction from the engine's events; a write
transaction whose last statements are reads would be rendering its answer while
every other writer waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from factories import make_workflow, step
from signoff.api.v1.responses import PageStatus, PageSubmitted
from signoff.db.models import Page, Space, User

from .helpers import ok
from .support import AppClient, Team

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def transactions(team: Team) -> Iterator[list[list[str]]]:
    """Every committed transaction's statements, in order, while the block runs."""
    done: list[list[str]] = []
    open_: dict[int, list[str]] = {}
    engine = team.db.engine

    def begin(connection: Any) -> None:
        open_[id(connection)] = []

    def statement(connection: Any, *args: Any) -> None:
        text = " ".join(str(args[1]).split()).upper()
        if not text.startswith("BEGIN"):
            open_.setdefault(id(connection), []).append(text)

    def commit(connection: Any) -> None:
        done.append(open_.pop(id(connection), []))

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("begin", begin),
        ("before_cursor_execute", statement),
        ("commit", commit),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield done
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _writing(done: list[list[str]], table: str) -> list[str]:
    [found] = [
        t for t in done if any(s.startswith(f"INSERT INTO {table.upper()}") for s in t)
    ]
    return found


def _reads_after_last_write(statements: list[str]) -> list[str]:
    last = max(i for i, s in enumerate(statements) if s.startswith(WRITES))
    return [s for s in statements[last + 1 :] if s.startswith("SELECT")]


def _two_step_page(team: Team) -> str:
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        alice = s.get_one(User, team.users["alice"])
        carol = s.get_one(User, team.users["carol"])
        dave = s.get_one(User, team.users["dave"])
        make_workflow(
            s,
            space,
            alice,
            [step(carol, name="Legal"), step(dave, name="Owner")],
            name="Legal",
            pages=[s.get_one(Page, team.pages[0])],
        )
    return str(team.pages[0])


def _submitted_two_step_page(api: AppClient, team: Team) -> str:
    page = _two_step_page(team)
    ok(
        PageSubmitted,
        api.post(
            "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page}
        ),
    )
    return page


def test_a_submission_reads_its_answer_after_the_commit(
    api: AppClient, team: Team
) -> None:
    page = _two_step_page(team)
    with transactions(team) as done:
        submitted = ok(
            PageSubmitted,
            api.post(
                "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page}
            ),
        )
    assert submitted["request"]["status"] == "pending"
    write = _writing(done, "approval_requests")
    assert _reads_after_last_write(write) == []
    assert done.index(write) < len(done) - 1  # the answer's read came after it


def test_approvals_and_a_withdrawal_read_their_answers_after_the_commit(
    api: AppClient, team: Team
) -> None:
    page = _submitted_two_step_page(api, team)
    decision = {"pageId": page, "version": 1}
    with transactions(team) as done:
        status = ok(
            PageStatus,
            api.post(
                "/api/v1/pages/approve", token=team.tokens["carol"], json=decision
            ),
        )
    assert status["approvalStatus"] == "pending"  # the second step waits for dave
    write = _writing(done, "decisions")
    assert _reads_after_last_write(write) == []
    assert done.index(write) < len(done) - 1
    with transactions(team) as done:
        status = ok(
            PageStatus,
            api.post(
                "/api/v1/pages/cancel", token=team.tokens["bob"], json={"pageId": page}
            ),
        )
    assert status["approvalStatus"] == "cancelled"
    write = _writing(done, "audit_events")
    assert _reads_after_last_write(write) == []


def test_a_keyed_approval_stores_the_answer_it_sent(api: AppClient, team: Team) -> None:
    page = _submitted_two_step_page(api, team)
    decision = {"pageId": page, "version": 1}
    headers = {"Idempotency-Key": "approve-legal-once"}
    first, again = (
        api.post(
            "/api/v1/pages/approve",
            token=team.tokens["carol"],
            json=decision,
            headers=headers,
        )
        for _ in range(2)
    )
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
