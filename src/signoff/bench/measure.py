"""Measuring instruments: a wall clock, percentiles, peak memory, statement counts.

Peak memory comes from `getrusage`, which the kernel keeps for us at no cost; the
statement counter listens on the engine, so it sees every statement an action sends.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

_STATM = Path("/proc/self/statm")


@dataclass
class Stopwatch:
    """Seconds spent inside `with stopwatch.running():` blocks, added up."""

    seconds: float = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - started


def timed_ms(call: Callable[[], object], repeats: int) -> list[float]:
    """Milliseconds of each of `repeats` calls of `call`."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1): a value that was measured."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (10^6 bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    return peak * scale / 1_000_000


def current_rss_mb() -> float:
    """Resident memory now, in MB: Linux's /proc; 0 where there is none."""
    try:
        resident_pages = int(_STATM.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 1_000_000


@dataclass
class StatementCounter:
    """Statements sent to the database while `counting()` is open."""

    total: int = 0
    _active: bool = field(default=False, repr=False)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        if self._active:
            self.total += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.total, self._active = 0, True
        try:
            yield
        finally:
            self._active = False


def per_second(count: int, seconds: float) -> float:
    """A rate; the clock's resolution bounds it, so it is never infinite."""
    return count / max(seconds, 1e-9)
