"""Workers side by side: every message delivered once, never handled twice at once.

PostgreSQL runs four workers (claims skip each other's locked rows); SQLite runs two
(`BEGIN IMMEDIATE` serialises their claims). Each worker has its own engine, as a
separate process would.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence

from signoff.db.session import Database, make_engine
from signoff.notify.handlers import FollowUp, Handler, Handlers, Message
from signoff.notify.worker import OutboxWorker

from .support import KIND, add_messages, outbox_count

MESSAGES = 200


class Ledger:
    """What every worker handled, and any message handled by two at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handled: list[tuple[str, str]] = []
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []

    def handler(self, worker: str) -> Handler:
        def handle(message: Message, _db: Database) -> Sequence[FollowUp]:
            with self.lock:
                if message.message_id in self.in_flight:
                    self.overlaps.append(message.message_id)
                self.in_flight.add(message.message_id)
                self.handled.append((message.message_id, worker))
            time.sleep(0.002)
            with self.lock:
                self.in_flight.discard(message.message_id)
            return ()

        return handle


def test_workers_side_by_side_deliver_each_message_exactly_once(
    db: Database, db_url: str, backend: str
) -> None:
    ids = add_messages(db, MESSAGES)
    ledger = Ledger()
    names = [f"w{n}" for n in range(4 if backend == "postgresql" else 2)]
    start = threading.Barrier(len(names))
    errors: list[BaseException] = []

    def run(name: str) -> None:
        own = Database(make_engine(db_url))
        try:
            worker = OutboxWorker(own, Handlers({KIND: ledger.handler(name)}), batch=10)
            start.wait()
            while worker.run_once():
                pass
        except BaseException as error:
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    assert ledger.overlaps == []
    times = Counter(message_id for message_id, _ in ledger.handled)
    assert set(times) == set(ids)
    assert set(times.values()) == {1}  # no lease expired, so exactly once
    assert outbox_count(db, status="delivered") == MESSAGES
    assert len({worker for _, worker in ledger.handled}) > 1  # they did share
