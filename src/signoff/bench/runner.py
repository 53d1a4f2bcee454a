"""One bench run: build the world, time each phase, measure the floor, clean up.

Phases run in the order a release goes: every page submitted on its own, the queue
read with all of them pending, both steps approved page by page, then one change set
submitted at once and read back, analytics over the history, and its audit export.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any, Protocol

from sqlalchemy import make_url

from signoff.bench import reads, writes
from signoff.bench.floor import STEPS, measure_floor
from signoff.bench.layers import StatementLayers, measure_layers
from signoff.bench.measure import (
    StatementCounter,
    Stopwatch,
    peak_rss_mb,
    per_second,
    percentile,
    timed_ms,
)
from signoff.bench.replay import Replay, StatementRecorder, replay, snapshot
from signoff.bench.target import SQLITE, Target, temporary_target
from signoff.bench.world import World, build_world, bulk_pages
from signoff.db import migrate
from signoff.db.session import Database, make_engine
from signoff.domain.errors import BadInput, InvalidState

QUEUE_REPEATS = 50
READ_REPEATS = 5


class Reporter(Protocol):
    """Where a long run says how far it has got."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, done: int = 1) -> None: ...


class Quiet:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, done: int = 1) -> None:
        pass


@dataclass(frozen=True)
class BenchResult:
    pages: int
    backend: str
    submit_per_second: float
    approve_per_second: float
    queue_p50_ms: float
    queue_p95_ms: float
    bulk_submit_pages: int
    bulk_submit_seconds: float
    rollup_ms: float
    analytics_ms: float
    audit_export_events: int
    audit_export_mb: float
    audit_export_mb_per_second: float
    audit_export_rss_growth_mb: float
    peak_rss_mb: float
    statements_per_submit: float
    statements_per_approve: float
    floor_submit_per_second: float
    floor_approve_per_second: float
    replay_submit: Replay | None
    replay_approve: Replay | None
    layers: StatementLayers | None = None
    """What one statement costs per layer (SQLite only)."""


def check_pages(pages: int) -> None:
    if pages < 1:
        raise BadInput("--pages must be at least 1.", field="pages")


def run_bench(
    pages: int,
    database_url: str | None = None,
    reporter: Reporter | None = None,
    *,
    data_dir: Path | None = None,
) -> BenchResult:
    """Bench `pages` pages on a fresh database (SQLite, or PostgreSQL when given),
    its scratch directory inside `data_dir` when given, else the system's temp."""
    check_pages(pages)
    report = reporter or Quiet()
    with temporary_target(database_url, data_dir) as target:
        figures = _product_figures(target, pages, report)
        report.phase("Storage floor, cost of a statement", 0)
        floor = measure_floor(target, pages)
        layers = measure_layers(target.workdir) if target.backend == SQLITE else None
    return BenchResult(
        pages=pages,
        backend=target.backend,
        peak_rss_mb=peak_rss_mb(),
        floor_submit_per_second=floor.submits_per_second,
        floor_approve_per_second=floor.approves_per_second,
        layers=layers,
        **figures,
    )


def _product_figures(target: Target, pages: int, report: Reporter) -> dict[str, Any]:
    engine = make_engine(target.url)
    counter = StatementCounter()
    recorder = StatementRecorder()
    try:
        migrate.upgrade(engine)
        counter.attach(engine)
        recorder.attach(engine)
        db = Database(engine)
        report.phase("Creating pages", pages + bulk_pages(pages))
        world = build_world(db, pages, report.advance)
        return _phases(db, world, target, _Instruments(counter, recorder), report)
    finally:
        engine.dispose()


@dataclass
class _Instruments:
    """What listens on the engine during the timed write phases."""

    counter: StatementCounter
    recorder: StatementRecorder
    replays: list[Replay | None] = field(default_factory=list)

    @contextmanager
    def watching(self, target: Target, phase: str) -> Iterator[None]:
        """Count the phase's statements; on SQLite also record it and replay it."""
        if target.backend != SQLITE:
            with self.counter.counting():
                yield
            self.replays.append(None)
            return
        database = Path(make_url(target.url).database or "")
        before = snapshot(database, target.workdir / f"replay-{phase}.db")
        self.recorder.start()
        with self.counter.counting():
            yield
        self.replays.append(replay(before, self.recorder.stop()))
        before.unlink()


def _phases(
    db: Database,
    world: World,
    target: Target,
    watch: _Instruments,
    report: Reporter,
) -> dict[str, Any]:
    pages = len(world.page_ids)
    submits, approves = Stopwatch(), Stopwatch()
    report.phase("Submitting pages", pages)
    with watch.watching(target, "submit"), submits.running():
        for page_id in world.page_ids:
            writes.submit_page(db, world.author_id, page_id)
            report.advance()
    submit_statements = watch.counter.total
    report.phase("Reading the queue", QUEUE_REPEATS)
    queue = timed_ms(
        lambda: reads.queue_first_page(db, world.approver_ids[0], world.space_id),
        QUEUE_REPEATS,
    )
    report.phase("Approving both steps", STEPS * pages)
    with watch.watching(target, "approve"), approves.running():
        for page_id in world.page_ids:
            for approver_id in world.approver_ids:
                writes.approve_page(db, approver_id, page_id)
                report.advance()
    approve_statements = watch.counter.total
    report.phase("Bulk submit, rollup, analytics, export", 0)
    bulk = Stopwatch()
    with bulk.running():
        results = writes.submit_change_set(db, world.author_id, world.change_set_id)
    if not all(result.success for result in results):
        raise InvalidState("The bench's change set was not submitted in full.")
    rollup = timed_ms(
        lambda: reads.change_set_rollup(db, world.author_id, world.change_set_id),
        READ_REPEATS,
    )
    analytics = timed_ms(
        lambda: reads.space_analytics(db, world.admin_id, world.space_id),
        READ_REPEATS,
    )
    export = reads.export_audit_trail(
        db, world.space_id, target.workdir / "audit.jsonl"
    )
    return {
        "submit_per_second": per_second(pages, submits.seconds),
        "approve_per_second": per_second(STEPS * pages, approves.seconds),
        "queue_p50_ms": percentile(queue, 0.50),
        "queue_p95_ms": percentile(queue, 0.95),
        "bulk_submit_pages": world.change_set_pages,
        "bulk_submit_seconds": bulk.seconds,
        "rollup_ms": median(rollup),
        "analytics_ms": median(analytics),
        "audit_export_events": export.events,
        "audit_export_mb": export.bytes / 1_000_000,
        "audit_export_mb_per_second": per_second(export.bytes, export.seconds)
        / 1_000_000,
        "audit_export_rss_growth_mb": export.rss_growth_mb,
        "statements_per_submit": submit_statements / pages,
        "statements_per_approve": approve_statements / (STEPS * pages),
        "replay_submit": watch.replays[0],
        "replay_approve": watch.replays[1],
    }
