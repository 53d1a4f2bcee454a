"""Crashing a real `signoff serve` process, and a ledger of what its clients were told.

`ServerProcess` runs the console script on a loopback port against a given database,
kills it with SIGKILL and starts it again on the same database. `Ledger` keeps every
mutating call a client made, with its `Idempotency-Key` and the answer (or none), so
a trial can replay the unanswered calls after the restart and then compare what the
clients were told with what the database holds.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from live_server import free_port

SIGNOFF = Path(sys.executable).with_name("signoff")
READY_TIMEOUT_S = 60.0
STILL_RUNNING = "still running"  # the 409 for a key whose first call holds its claim


class ServerProcess:
    """`signoff serve` on one database; every start appends to the same log files."""

    def __init__(self, db_url: str, workdir: Path) -> None:
        self.db_url = db_url
        self.workdir = workdir
        self.url = ""
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
        args = [str(SIGNOFF), "serve", "--port", str(port), "--no-outbox"]
        args += ["--database-url", self.db_url, "--data-dir", str(self.data_dir)]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                args, stdout=log, stderr=log, env=env, cwd=self.workdir
            )
        self.starts += 1
        self._wait_until_ready()

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise AssertionError(f"signoff exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"signoff was not ready:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no flush; the kernel closes sockets."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()
        assert self._process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Call:
    """One mutating request: what was sent, under which key, and what came back.

    Every call writes its key into the text it stores (a comment, a page body, a
    title), so the database can be asked whether, and how often, it happened.
    """

    who: str
    method: str
    path: str
    body: dict[str, Any]
    kind: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: int | None = None
    """The last answer's status; None while no answer came (the server died)."""
    answer: dict[str, Any] = field(default_factory=dict)
    acknowledged: bool = False
    """Some answer to this call was a 2xx: the client was told it happened."""
    replays: int = 0

    @property
    def unanswered(self) -> bool:
        return self.status is None


@dataclass
class Ledger:
    """Every call of a trial; `server_errors` counts 5xx answers (not dropped links)."""

    calls: list[Call] = field(default_factory=list)
    server_errors: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def count_server_error(self) -> None:
        with self._lock:
            self.server_errors += 1

    def unanswered(self) -> list[Call]:
        return [call for call in self.calls if call.unanswered]


class Caller:
    """One person's HTTP client; mutating calls carry an `Idempotency-Key`."""

    def __init__(self, base_url: str, token: str, who: str, ledger: Ledger) -> None:
        self.who = who
        self.ledger = ledger
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def get(self, path: str, **params: Any) -> dict[str, Any] | None:
        """A read; None when the server is gone or answers anything but 200."""
        try:
            response = self.http.get(path, params=params)
        except httpx.TransportError:
            return None
        if response.status_code >= 500:
            self.ledger.count_server_error()
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body

    def send(self, call: Call) -> Call | None:
        """Send `call` and note its answer; None when it never reached the server."""
        try:
            response = self._request(call)
        except httpx.ConnectError:
            return None  # refused at connect: the server never saw it
        except httpx.TransportError:
            self.ledger.add(call)  # sent, and the answer was lost with the server
            return call
        self.ledger.add(call)
        self.note(call, response)
        return call

    def replay(self, call: Call) -> None:
        """Send `call` again with its key; a dropped link here is a failure."""
        call.replays += 1
        self.note(call, self._request(call))

    def _request(self, call: Call) -> httpx.Response:
        return self.http.request(
            call.method,
            call.path,
            json=call.body,
            headers={"Idempotency-Key": call.key},
        )

    def note(self, call: Call, response: httpx.Response) -> None:
        call.status = response.status_code
        if response.status_code >= 500:
            self.ledger.count_server_error()
        if response.is_success:
            call.acknowledged = True
            call.answer = response.json()
        else:
            call.answer = {"error": response.text}

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class Target:
    """What the load works on: a space, its pages, and each person's account id."""

    space_id: int
    pages: list[int]
    accounts: dict[str, str]


def edit_and_bundle(
    caller: Caller, target: Target, rng: random.Random, stop: threading.Event
) -> None:
    """An editor: bundle three pages into a change set, submit it, edit a page."""
    while not stop.is_set():
        created = caller.send(_new_change_set(caller.who, target, rng))
        if created is not None and created.acknowledged and not stop.is_set():
            submit = {"changeSetId": created.answer["changeSet"]["id"]}
            caller.send(
                Call(caller.who, "POST", SUBMIT_PATH, submit, "changeset.submit")
            )
        page = caller.get(f"/wiki/api/v2/pages/{rng.choice(target.pages)}")
        if page is not None and not stop.is_set():
            caller.send(_edit(caller.who, page))


SUBMIT_PATH = "/api/v1/changeSets/submit"


def _new_change_set(who: str, target: Target, rng: random.Random) -> Call:
    call = Call(who, "POST", "/api/v1/changeSets", {}, "changeset.create")
    call.body = {
        "spaceId": str(target.space_id),
        "title": f"Set {call.key}",
        "pageRefs": [{"pageId": str(p)} for p in rng.sample(target.pages, 3)],
    }
    return call


def _edit(who: str, page: dict[str, Any]) -> Call:
    call = Call(who, "PUT", f"/wiki/api/v2/pages/{page['id']}", {}, "page.edit")
    call.body = {
        "id": page["id"],
        "status": "current",
        "title": page["title"],
        "body": {"representation": "storage", "value": f"<p>edit {call.key}</p>"},
        "version": {"number": page["version"]["number"] + 1},
    }
    return call


def decide(
    caller: Caller, target: Target, rng: random.Random, stop: threading.Event
) -> None:
    """An approver: approve (or, one time in five, reject) a page waiting on them."""
    me = target.accounts[caller.who]
    while not stop.is_set():
        page_id = rng.choice(target.pages)
        status = caller.get("/api/v1/pages/status", pageId=page_id)
        if status is None or status["approvalStatus"] != "pending":
            continue
        request = status["request"]
        if any(d["accountId"] == me for s in request["steps"] for d in s["decisions"]):
            continue
        verdict = "reject" if rng.random() < 0.2 else "approve"
        call = Call(caller.who, "POST", f"/api/v1/pages/{verdict}", {}, verdict)
        call.body = {
            "pageId": str(page_id),
            "version": request["version"],
            "comment": f"{verdict} {call.key}",
        }
        if not stop.is_set():
            caller.send(call)
