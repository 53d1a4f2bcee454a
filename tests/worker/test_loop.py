"""`run_forever`: keeps delivering what arrives, and stops when told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from signoff.db.session import Database

from .support import Clock, Recorder, add_messages, make_worker, outbox_count


def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_run_forever_delivers_what_arrives_until_stopped(db: Database) -> None:
    add_messages(db, 3)
    handler = Recorder()
    worker = make_worker(db, handler, Clock(), batch=2)
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, args=(stop, 0.01))
    loop.start()
    try:
        eventually(lambda: outbox_count(db, status="delivered") == 3)
        add_messages(db, 1)  # arrives while the worker idles
        eventually(lambda: outbox_count(db, status="delivered") == 4)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()
    assert len(handler.seen) == 4
