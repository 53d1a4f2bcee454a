"""How long comparing two versions of a big page takes (`storage_format.redline`).

A page of about a megabyte (14,000 clauses) and a second version with an edit every
700 clauses, a removed clause and a new one: both the full comparison (what the page
view renders) and the measure alone (what opening a review stores) are timed, best
and median of a few runs, in this process.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from signoff.storage_format.redline import compare_bodies, measure_change

CLAUSES = 14_000
RUNS = 5


def page_pair(clauses: int = CLAUSES) -> tuple[str, str]:
    """A body of `clauses` paragraphs, and an edited second version of it."""
    paragraphs = [
        f"<p>Clause {n}: the supplier shall deliver item {n} within {n % 30} days.</p>"
        for n in range(clauses)
    ]
    edited = list(paragraphs)
    for n in range(100, clauses, 700):
        edited[n] = f"<p>Clause {n}: the supplier shall deliver item {n} promptly.</p>"
    del edited[clauses // 3]
    edited.insert(2 * clauses // 3, "<p>A new clause about penalties.</p>")
    return "".join(paragraphs), "".join(edited)


def _timed(work: Callable[[], object], runs: int) -> list[float]:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def run_compare_bench(runs: int = RUNS, clauses: int = CLAUSES) -> dict[str, Any]:
    old, new = page_pair(clauses)
    summary = compare_bodies(old, new).summary
    full = _timed(lambda: compare_bodies(old, new), runs)
    measure = _timed(lambda: measure_change(old, new), runs)
    return {
        "bytes": len(old),
        "change": summary.sentence(),
        "compareBestMs": round(min(full), 1),
        "compareMedianMs": round(statistics.median(full), 1),
        "measureBestMs": round(min(measure), 1),
        "measureMedianMs": round(statistics.median(measure), 1),
        "runs": runs,
    }
