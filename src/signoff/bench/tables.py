"""The bench's figures as Rich tables for people: one run, or one column per size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from signoff.bench.scaling import growth

FIGURES: tuple[tuple[str, str, str], ...] = (
    ("submitPerSecond", "submits / s", "{:,.1f}"),
    ("floorSubmitPerSecond", "floor submits / s", "{:,.1f}"),
    ("submitFractionOfFloor", "submit fraction of floor", "{:.3f}"),
    ("approvePerSecond", "approvals / s", "{:,.1f}"),
    ("floorApprovePerSecond", "floor approvals / s", "{:,.1f}"),
    ("approveFractionOfFloor", "approve fraction of floor", "{:.3f}"),
    ("replaySubmitPerSecond", "replayed submits / s", "{:,.1f}"),
    ("replayApprovePerSecond", "replayed approvals / s", "{:,.1f}"),
    ("pagesWrittenPerSubmit", "pages written per submit", "{:.1f}"),
    ("pagesWrittenPerApprove", "pages written per approve", "{:.1f}"),
    ("statementsPerSubmit", "statements per submit", "{:.1f}"),
    ("statementsPerApprove", "statements per approve", "{:.1f}"),
    ("statementMicrosDriver", "one statement, sqlite3 (us)", "{:.1f}"),
    ("statementMicrosCore", "one statement, SQLAlchemy Core (us)", "{:.1f}"),
    ("statementMicrosSession", "one statement, Session (us)", "{:.1f}"),
    ("queueP50Ms", "queue first page p50 (ms)", "{:.2f}"),
    ("queueP95Ms", "queue first page p95 (ms)", "{:.2f}"),
    ("bulkSubmitPages", "bulk submit pages", "{:,}"),
    ("bulkSubmitSeconds", "bulk submit (s)", "{:.2f}"),
    ("rollupMs", "change-set detail (ms)", "{:.2f}"),
    ("analyticsMs", "analytics (ms)", "{:.2f}"),
    ("auditExportEvents", "audit events exported", "{:,}"),
    ("auditExportMBPerSecond", "audit export (MB/s)", "{:.1f}"),
    ("auditExportRssGrowthMB", "export memory growth (MB)", "{:.1f}"),
    ("peakRssMB", "peak RSS (MB)", "{:.1f}"),
)


def result_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"signoff bench: {result['pages']:,} pages on {result['backend']}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, label, shape in FIGURES:
        table.add_row(label, _shown(shape, result[key]))
    return table


def scaling_table(results: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=f"signoff bench scaling on {results[0]['backend']}")
    table.add_column("figure")
    for result in results:
        table.add_column(f"N = {result['pages']:,}", justify="right")
    table.add_column("last / first", justify="right")
    for key, label, shape in FIGURES:
        ratio = growth(results, key)
        table.add_row(
            label,
            *(_shown(shape, result[key]) for result in results),
            "-" if ratio is None else f"{ratio:.2f}x",
        )
    return table


def _shown(shape: str, value: Any) -> str:
    """A figure as the table shows it; "-" where the run has none (no replay on
    PostgreSQL)."""
    return "-" if value is None else shape.format(value)


def compare_table(figures: dict[str, Any]) -> Table:
    """The comparison bench's figures, one per row."""
    table = Table(title=f"Comparing two versions of a {figures['bytes']:,}-byte page")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("change found", figures["change"])
    table.add_row("full comparison, best", f"{figures['compareBestMs']:.1f} ms")
    table.add_row("full comparison, median", f"{figures['compareMedianMs']:.1f} ms")
    table.add_row("measure only, best", f"{figures['measureBestMs']:.1f} ms")
    table.add_row("measure only, median", f"{figures['measureMedianMs']:.1f} ms")
    table.add_row("runs", str(figures["runs"]))
    return table
