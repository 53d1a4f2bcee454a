"""Racing real HTTP requests against the real app served on loopback.

Each racer has its own httpx client, hence its own connection, so its request is as
independent as another caller's; a barrier releases all of them at once. `build_app`
makes the app on a test database with the REST API switched on, `serve` puts it on
loopback, and `mint_tokens` gives each person a token, so each racer is someone.
"""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from factories import by
from live_server import live_server
from reliability.figures import record
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.states import Origin

API = "/api/v1"
WIKI = "/wiki/api/v2"
REPLAYED = "Idempotent-Replayed"


@dataclass(frozen=True)
class Call:
    """One request a racer sends, with the bearer token of the person sending it."""

    method: str
    path: str
    token: str
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


def approve(token: str, page_id: int, version: int, **headers: str) -> Call:
    body = {"pageId": str(page_id), "version": version}
    return Call("POST", f"{API}/pages/approve", token, body, headers)


def reject(token: str, page_id: int, version: int) -> Call:
    body = {"pageId": str(page_id), "version": version, "comment": "Not yet."}
    return Call("POST", f"{API}/pages/reject", token, body)


def submit(token: str, page_id: int, **headers: str) -> Call:
    return Call("POST", f"{API}/pages/submit", token, {"pageId": str(page_id)}, headers)


def edit(token: str, page_id: int, number: int, body: str) -> Call:
    """A page-store update to version `number` (the page must be at `number - 1`)."""
    update = {
        "body": {"representation": "storage", "value": body},
        "version": {"number": number},
    }
    return Call("PUT", f"{WIKI}/pages/{page_id}", token, update)


Job = Callable[[httpx.Client], list[httpx.Response]]


class Racers:
    """A fixed set of clients, one connection each, that race calls to a server."""

    def __init__(self, base_url: str, count: int) -> None:
        self._stack = ExitStack()
        # One TLS context for all: building one per client costs more than a race.
        context = ssl.create_default_context()
        self.clients = [
            self._stack.enter_context(
                httpx.Client(base_url=base_url, timeout=120, verify=context)
            )
            for _ in range(count)
        ]

    def __enter__(self) -> Racers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def race(self, calls: Sequence[Call]) -> list[httpx.Response]:
        """Send `calls[i]` from client i, all released together; responses in order."""
        jobs = [_one(call) for call in calls]
        return [answers[0] for answers in self.run_together(jobs)]

    def run_together(self, jobs: Sequence[Job]) -> list[list[httpx.Response]]:
        """Run `jobs[i]` with client i on its own thread, all started together.

        A transport failure (a dropped connection, a timeout) fails the race: the
        server must answer every request, even when it refuses it.
        """
        assert len(jobs) <= len(self.clients), "more jobs than racers"
        barrier = threading.Barrier(len(jobs))
        answers: list[list[httpx.Response]] = [[] for _ in jobs]
        failures: list[BaseException] = []

        def run(index: int, job: Job) -> None:
            try:
                barrier.wait()
                answers[index] = job(self.clients[index])
            except BaseException as failure:  # reported below, on the test's thread
                failures.append(failure)

        threads = [
            threading.Thread(target=run, args=(index, job))
            for index, job in enumerate(jobs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, f"requests that got no answer: {failures!r}"
        return answers

    def send(self, call: Call) -> httpx.Response:
        """One request on its own, from the first client."""
        return send(self.clients[0], call)


def send(client: httpx.Client, call: Call) -> httpx.Response:
    headers = {"Authorization": f"Bearer {call.token}", **call.headers}
    return client.request(call.method, call.path, json=call.json, headers=headers)


def _one(call: Call) -> Job:
    return lambda client: [send(client, call)]


def statuses(responses: Sequence[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def server_errors(responses: Sequence[httpx.Response]) -> int:
    return sum(1 for response in responses if response.status_code >= 500)


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["success"] is False, response.text
    return str(body["error"])


def record_race(*, lost: int, duplicates: int, failed: int) -> None:
    """One race's figures; zeros too, so the table shows the race ran."""
    record("races run", 1)
    record("decisions lost", lost)
    record("duplicates", duplicates)
    record("5xx responses", failed)


@dataclass(frozen=True)
class Site:
    """The served app: its base URL, and the database its requests write to."""

    base_url: str
    app: FastAPI

    @property
    def db(self) -> Database:
        db = self.app.state.db
        assert isinstance(db, Database)
        return db


def build_app(database_url: str, data_dir: Path) -> FastAPI:
    """The app with the REST API switched on, as a site administrator would."""
    app = create_app(Settings(data_dir=data_dir, database_url=database_url))
    db: Database = app.state.db
    with db.write() as session:
        do_set_api_enabled(session, True, **by(None, Origin.cli))
    return app


@contextmanager
def serve(app: FastAPI) -> Iterator[Site]:
    with live_server(app) as base_url:
        yield Site(base_url, app)


def mint_tokens(db: Database, people: Sequence[User]) -> dict[int, str]:
    """A token with every scope for each person, by user id."""
    tokens: dict[int, str] = {}
    with db.write() as session:
        for person in people:
            owner = session.get(User, person.id)
            assert owner is not None
            _, secret = do_create_token(
                session, owner, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )
            tokens[person.id] = secret
    return tokens
