"""SIGKILL mid-delivery: a real worker process dies after the receiver got the
message and before the outbox heard; the next worker delivers it again, and a
receiver deduplicating on the message id counts it once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from signoff.actions.unit import utcnow
from signoff.db.session import Database, make_engine
from signoff.notify.signing import MESSAGE_ID_HEADER
from signoff.notify.worker import LEASE_LOST

from .support import add_messages, outbox_row

TESTS_DIR = Path(__file__).resolve().parents[1]
DEADLINE_S = 30.0


class Receiver:
    """A loopback HTTP receiver recording the message id of every request."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        lock = threading.Lock()
        received = self.message_ids

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    received.append(self.headers.get(MESSAGE_ID_HEADER, ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever)

    def deduplicated(self) -> set[str]:
        return set(self.message_ids)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        receiver.thread.join()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "signoff.db"
    shutil.copyfile(sqlite_template, target)
    db = Database(make_engine(f"sqlite:///{target}"))
    yield db
    db.dispose()


def start_worker(
    db: Database, tmp_path: Path, receiver: Receiver, *, block: bool, name: str
) -> tuple[subprocess.Popen[bytes], Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["SIGNOFF_TEST_RECEIVER"] = receiver.url
    env["SIGNOFF_TEST_BLOCK"] = "1" if block else "0"
    output = tmp_path / f"{name}.out"
    command = [
        sys.executable,
        "-m",
        "signoff.cli.main",
        "worker",
        "--handlers",
        "worker.receiver_handlers:handlers",
        "--lease-seconds",
        "1",
        "--idle-sleep",
        "0.05",
        "--database-url",
        str(db.engine.url),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    return process, output


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    return process.wait(timeout=DEADLINE_S)


def test_a_worker_killed_mid_delivery_is_redelivered_and_deduplicated(
    sqlite_db: Database, tmp_path: Path, receiver: Receiver
) -> None:
    [message_id] = add_messages(sqlite_db, at=utcnow())

    first, _ = start_worker(sqlite_db, tmp_path, receiver, block=True, name="first")
    try:
        wait_for(lambda: len(receiver.message_ids) == 1, "the first delivery")
        assert outbox_row(sqlite_db, message_id).status == "delivering"
    finally:
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL
    assert outbox_row(sqlite_db, message_id).status == "delivering"

    second, output = start_worker(
        sqlite_db, tmp_path, receiver, block=False, name="second"
    )
    try:
        wait_for(
            lambda: outbox_row(sqlite_db, message_id).status == "delivered",
            "the redelivery",
        )
    finally:
        exit_code = stop(second, signal.SIGTERM)
    log = output.read_text()
    assert exit_code == 0, log
    assert "Processed 1 message(s): 1 delivered" in log

    assert receiver.message_ids == [message_id, message_id]  # at least once ...
    assert receiver.deduplicated() == {message_id}  # ... and counted once
    row = outbox_row(sqlite_db, message_id)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, LEASE_LOST)
