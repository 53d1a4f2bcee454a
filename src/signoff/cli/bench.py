"""`signoff bench`: time the real actions and queries on a throw-away database.

Nothing of the site's own data is touched: the bench makes its database (in a scratch
directory inside `SIGNOFF_DATA_DIR` / `--data-dir` when set, else the system's
temporary directory), and removes it when done. Progress goes to stderr, and only
when stderr is a terminal. `--json` prints `bench_json`'s object, whose names the
contract fixes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from signoff.bench.compare import run_compare_bench
from signoff.bench.replay import Replay
from signoff.bench.runner import BenchResult, Quiet, Reporter, check_pages, run_bench
from signoff.bench.scaling import SCALING_SIZES, run_scaling
from signoff.bench.tables import compare_table, result_table, scaling_table
from signoff.bench.target import server_url
from signoff.cli.common import EXIT_USAGE, DataDirOption, JsonOption, err, fail, out

DEFAULT_PAGES = 1000


def bench_json(result: BenchResult) -> dict[str, Any]:
    """A run's figures under the contract's names, each fraction of the floor
    worked out here, then the replay's."""
    return {
        "pages": result.pages,
        "backend": result.backend,
        "submitPerSecond": result.submit_per_second,
        "approvePerSecond": result.approve_per_second,
        "queueP50Ms": result.queue_p50_ms,
        "queueP95Ms": result.queue_p95_ms,
        "bulkSubmitPages": result.bulk_submit_pages,
        "bulkSubmitSeconds": result.bulk_submit_seconds,
        "rollupMs": result.rollup_ms,
        "analyticsMs": result.analytics_ms,
        "auditExportEvents": result.audit_export_events,
        "auditExportMB": result.audit_export_mb,
        "auditExportMBPerSecond": result.audit_export_mb_per_second,
        "auditExportRssGrowthMB": result.audit_export_rss_growth_mb,
        "peakRssMB": result.peak_rss_mb,
        "statementsPerSubmit": result.statements_per_submit,
        "statementsPerApprove": result.statements_per_approve,
        "floorSubmitPerSecond": result.floor_submit_per_second,
        "floorApprovePerSecond": result.floor_approve_per_second,
        "submitFractionOfFloor": result.submit_per_second
        / result.floor_submit_per_second,
        "approveFractionOfFloor": result.approve_per_second
        / result.floor_approve_per_second,
        **_replay_figures(result.replay_submit, result.replay_approve),
        "statementMicrosDriver": result.layers.driver if result.layers else None,
        "statementMicrosCore": result.layers.core if result.layers else None,
        "statementMicrosSession": result.layers.session if result.layers else None,
    }


def _replay_figures(submit: Replay | None, approve: Replay | None) -> dict[str, Any]:
    """The replay's figures; None where there was no replay (PostgreSQL)."""
    return {
        "replayTransactions": submit.transactions if submit else None,
        "replaySubmitPerSecond": submit.per_second if submit else None,
        "replayApprovePerSecond": approve.per_second if approve else None,
        "pagesWrittenPerSubmit": submit.pages_written if submit else None,
        "pagesWrittenPerApprove": approve.pages_written if approve else None,
    }


def bench(
    pages: Annotated[
        int,
        typer.Option("--pages", help="Pages submitted and approved one by one."),
    ] = DEFAULT_PAGES,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="A PostgreSQL server to bench on instead of SQLite "
            "(postgresql+psycopg://...); the bench creates and drops a database "
            "of its own there.",
            show_default=False,
        ),
    ] = None,
    scaling: Annotated[
        bool,
        typer.Option(
            "--scaling",
            help="Run at N = "
            + ", ".join(f"{n:,}" for n in SCALING_SIZES)
            + " and print one column per N.",
        ),
    ] = False,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Only time comparing two versions of a page of about 1 MB.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit, approve, queue, bulk submit, rollup, analytics and audit export."""
    if compare:
        figures = run_compare_bench()
        if as_json:
            typer.echo(json.dumps({"compare": figures}))
        else:
            out().print(compare_table(figures))
        return
    if scaling:
        if pages != DEFAULT_PAGES:
            fail("--scaling chooses the sizes itself; leave out --pages.", EXIT_USAGE)
        if database_url is not None:
            server_url(database_url)  # refuse a bad URL before the first size runs
        results = run_scaling(SCALING_SIZES, database_url, data_dir)
        if as_json:
            typer.echo(json.dumps({"scaling": results}))
        else:
            out().print(scaling_table(results))
        return
    check_pages(pages)
    with progress_reporter() as reporter:
        result = bench_json(run_bench(pages, database_url, reporter, data_dir=data_dir))
    if as_json:
        typer.echo(json.dumps(result))
    else:
        out().print(result_table(result))


class RichReporter:
    """One progress bar per phase, on stderr; a phase of unknown length pulses."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._total = 0

    def phase(self, name: str, total: int) -> None:
        self.finish()
        self._task = self._progress.add_task(name, total=total or None)
        self._total = total

    def advance(self, done: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, done)

    def finish(self) -> None:
        if self._task is not None:
            whole = max(self._total, 1)
            self._progress.update(self._task, total=whole, completed=whole)


@contextmanager
def progress_reporter() -> Iterator[Reporter]:
    console = err()
    if not console.is_terminal:
        yield Quiet()
        return
    with Progress(console=console) as progress:
        reporter = RichReporter(progress)
        yield reporter
        reporter.finish()
