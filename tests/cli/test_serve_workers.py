"""`signoff serve --workers 2` on PostgreSQL: two server processes, each with its own
outbox worker, share one database. Submits and approvals come over HTTP from several
threads; every acknowledged approval is stored once, the audit chain verifies, and
every webhook message reaches a loopback receiver exactly once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.deployment import (
    delivered_webhooks,
    established_by_process,
    wait_for_outbox,
)
from conftest import fresh_database_url
from factories import by, make_page, make_space, make_user, make_workflow, step
from notify.servers import Receiver
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.actions.webhooks import do_create_webhook
from signoff.db.models import ApprovalRequest, Decision, User
from signoff.db.session import Database, make_engine
from signoff.domain.states import Origin, Role
from signoff.outbound.url_policy import AllowList

from .support import signoff
from .test_server_process import READY_TIMEOUT_S, Server, running

pytestmark = pytest.mark.slow

PAGES = 12
CLIENTS = 8
ROUNDS = 10


@dataclass
class Site:
    url: str
    db: Database
    receiver: Receiver
    editor_token: str
    approver_tokens: dict[int, str]
    page_ids: list[int]


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A PostgreSQL database with a space, an editor, two approvers who must both
    approve (`all`), PAGES pages, the API on, and a webhook for every event."""
    url = fresh_database_url("postgresql", request, tmp_path)
    db = Database(make_engine(url))
    receiver = Receiver()
    allow = f"127.0.0.1:{receiver.port}"
    with db.write() as s:
        admin = make_user(s, "alice", site_admin=True)
        bob, carol, dave = (
            make_user(s, "bob"),
            make_user(s, "carol"),
            make_user(s, "dave"),
        )
        space = make_space(
            s,
            admin=admin,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        pages = [make_page(s, space, bob, title=f"Page {n}") for n in range(PAGES)]
        make_workflow(s, space, admin, [step(carol, dave)], space_default=True)
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        do_create_webhook(
            s,
            space,
            url=f"http://{allow}/ok",
            events=["*"],
            allow=AllowList.parse(allow),
            **by(admin),
        )
        s.flush()
        editor_token = _token(s, bob, "write:approval")
        approvers = {
            person.id: _token(s, person, "decide:approval", "read:approval")
            for person in (carol, dave)
        }
        page_ids = [page.id for page in pages]
    try:
        yield Site(url, db, receiver, editor_token, approvers, page_ids)
    finally:
        receiver.close()
        db.dispose()


def _token(session: Session, user: User, *scopes: str) -> str:
    _, secret = do_create_token(session, user, scopes=list(scopes), **by(None))
    return secret


def connected_clients(url: str, count: int) -> list[httpx.Client]:
    clients = [httpx.Client(base_url=url, timeout=60) for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda c: c.get("/livez").raise_for_status(), clients))
    return clients


def wait_for_startups(server: Server, processes: int) -> None:
    """Until every server process has said its application started."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while server.output().count("Application startup complete.") < processes:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)


def call(client: httpx.Client, token: str, path: str, body: object) -> httpx.Response:
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def test_two_server_processes_store_each_approval_once_and_deliver_each_webhook_once(
    site: Site, tmp_path: Path
) -> None:
    env = {"SIGNOFF_WEBHOOK_ALLOW": f"127.0.0.1:{site.receiver.port}"}
    command = ("serve", "--workers", "2", "--database-url", site.url)
    with running(tmp_path, *command, env=env) as server:
        wait_for_startups(server, 2)
        clients: list[httpx.Client] = []
        try:
            # Each client opens a connection of its own, which the kernel hands to
            # whichever process accepts first: open more until both hold some.
            for _ in range(ROUNDS):
                clients += connected_clients(server.url, CLIENTS)
                holders = established_by_process(server.process.pid, server.url)
                if len(holders) > 1:
                    break

            def submit(n: int) -> httpx.Response:
                client = clients[n % CLIENTS]
                body = {"pageId": str(site.page_ids[n])}
                return call(client, site.editor_token, "/api/v1/pages/submit", body)

            with ThreadPoolExecutor(CLIENTS) as pool:
                submitted = list(pool.map(submit, range(PAGES)))
            decisions = [
                (approver, page)
                for page in site.page_ids
                for approver in site.approver_tokens
            ]

            def approve(n: int) -> tuple[tuple[int, int], int]:
                approver, page = decisions[n]
                response = call(
                    clients[n % CLIENTS],
                    site.approver_tokens[approver],
                    "/api/v1/pages/approve",
                    {"pageId": str(page), "version": 1},
                )
                return (approver, page), response.status_code

            with ThreadPoolExecutor(CLIENTS) as pool:
                approved = list(pool.map(approve, range(len(decisions))))
            outbox = wait_for_outbox(site.db)
        finally:
            for client in clients:
                client.close()

    assert len(holders) == 2, holders  # both processes accepted connections
    assert [r.status_code for r in submitted] == [200] * PAGES, submitted[0].text
    acknowledged = [pair for pair, status in approved if status == 200]
    assert len(acknowledged) == len(decisions)
    with site.db.read() as s:
        rows = s.execute(
            select(Decision.approver_id, ApprovalRequest.page_id).join(
                ApprovalRequest, ApprovalRequest.id == Decision.request_id
            )
        )
        stored = Counter((approver, page) for approver, page in rows)
        statuses = set(s.scalars(select(ApprovalRequest.status)))
    assert stored == Counter(acknowledged)
    assert statuses == {"approved"}
    verify = signoff(site.url, tmp_path / "data", "audit", "verify")
    assert verify.exit_code == 0, verify.output
    # Each webhook message went out once, by one of the two outbox workers.
    assert outbox, "no webhook message was queued"
    received = delivered_webhooks(site.receiver)
    assert received == Counter(dict.fromkeys(outbox, 1))


def test_serve_says_one_process_is_recommended_on_sqlite(
    sqlite_url: str, tmp_path: Path
) -> None:
    help_text = signoff(sqlite_url, tmp_path, "serve", "--help").output

    words = " ".join(help_text.replace("│", " ").split())
    assert "on SQLite one is recommended" in words


def test_serve_refuses_no_workers(sqlite_url: str, tmp_path: Path) -> None:
    result = signoff(sqlite_url, tmp_path, "serve", "--workers", "0")

    assert result.exit_code == 2
    assert "--workers" in result.output
