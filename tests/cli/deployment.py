"""What the scale-out and deployment tests read back from a running site: which
server process holds which connection, when the outbox has drained, and what a
webhook receiver got."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from notify.servers import Receiver
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.notify.outbox_rows import OutboxStatus
from signoff.notify.webhooks import DELIVERY_KIND

DRAIN_TIMEOUT_S = 60.0
ESTABLISHED = "01"
SETTLED = {OutboxStatus.delivered.value, OutboxStatus.dead.value}


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (uvicorn's workers, for its supervisor)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid ...: comm may hold spaces, so split after the ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def established_by_process(server_pid: int, url: str) -> Counter[int]:
    """How many established connections to `url`'s port each server process holds,
    read from /proc: the socket inodes in each process's descriptors, matched with
    the kernel's TCP table."""
    port = f"{int(url.rsplit(':', 1)[1]):04X}"
    inodes: dict[str, int] = {}
    for pid in children_of(server_pid):
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    holders: Counter[int] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = fields[1].rsplit(":", 1)[1]
            if local_port == port and fields[3] == ESTABLISHED and fields[9] in inodes:
                holders[inodes[fields[9]]] += 1
    return holders


def wait_for_outbox(db: Database) -> list[str]:
    """Wait until every outbox message is settled (follow-ups included); the ids of
    the webhook deliveries."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while True:
        with db.read() as session:
            rows = session.execute(
                select(
                    OutboxMessage.kind, OutboxMessage.status, OutboxMessage.message_id
                )
            ).all()
        if rows and all(status in SETTLED for _, status, _ in rows):
            break
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the outbox did not drain: {Counter(r[1] for r in rows)}"
            )
        time.sleep(0.1)
    assert {status for _, status, _ in rows} == {OutboxStatus.delivered.value}, rows
    return [message_id for kind, _, message_id in rows if kind == DELIVERY_KIND]


def delivered_webhooks(receiver: Receiver) -> Counter[str]:
    """How often the receiver got each message id."""
    return Counter(r.headers["X-Signoff-Message-Id"] for r in receiver.requests)
