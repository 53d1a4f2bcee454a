"""Gauges read from the database when Prometheus scrapes: the outbox's depth, its
oldest waiting message and its dead letters, and each Confluence site's time since
its last good pass.

They are facts of the shared database, not of one process, so every worker answers
them alike and none is stored between scrapes. Two small queries per scrape, in a
read-only transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from signoff.api.instruments import PREFIX
from signoff.db.session import Database
from signoff.notify.outbox_rows import OutboxStatus
from signoff.queries.operations import outbox_backlog, site_passes

WAITING = frozenset({OutboxStatus.pending, OutboxStatus.retry, OutboxStatus.delivering})
"""Not delivered yet and not given up on: queued, waiting to retry, or being sent."""


class OperationsCollector(Collector):
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        with self.db.read() as session:
            backlog = outbox_backlog(session, {*WAITING, OutboxStatus.dead})
            sites = site_passes(session)
        depth = GaugeMetricFamily(
            f"{PREFIX}outbox_pending_messages",
            "Outbox messages not delivered yet (pending, retrying or being sent).",
            labels=["channel"],
        )
        age = GaugeMetricFamily(
            f"{PREFIX}outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox message not delivered yet.",
            labels=["channel"],
        )
        dead = GaugeMetricFamily(
            f"{PREFIX}outbox_dead_letters",
            "Outbox messages given up on after their last attempt.",
            labels=["channel"],
        )
        waiting: dict[str, tuple[int, datetime]] = {}
        for group in backlog:
            if group.status == OutboxStatus.dead:
                dead.add_metric([group.kind], group.count)
                continue
            count, oldest = waiting.get(group.kind, (0, group.oldest))
            waiting[group.kind] = (count + group.count, min(oldest, group.oldest))
        for kind, (count, oldest) in sorted(waiting.items()):
            depth.add_metric([kind], count)
            age.add_metric([kind], max(0.0, (now - oldest).total_seconds()))
        since = GaugeMetricFamily(
            f"{PREFIX}confluence_seconds_since_last_ok_pass",
            "Seconds since the site's last successful polling pass (since it was "
            "added, when none has succeeded yet).",
            labels=["site"],
        )
        for site in sites:
            last = site.last_ok_at or site.added_at
            since.add_metric([site.name], max(0.0, (now - last).total_seconds()))
        yield from (depth, age, dead, since)
