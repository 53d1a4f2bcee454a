"""Locust's final statistics (`--json-file`), read into the figures `make loadtest`
prints. Percentiles are taken from Locust's response-time histogram, whose buckets
are exact to 10 ms below 1 s (and coarser above), as its own reports are."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TOTAL = "all"


@dataclass(frozen=True)
class Endpoint:
    name: str
    requests: int
    failures: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_stats(path: Path) -> dict[str, Endpoint]:
    """Each endpoint by name, and their sum as `all`."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path} is not a list of Locust statistics entries")
    starts = [entry["start_time"] for entry in entries]
    ends = [entry["last_request_timestamp"] or 0 for entry in entries]
    window = max(ends, default=0) - min(starts, default=0)
    rows = {
        entry["name"]: _endpoint(entry["name"], [entry], window) for entry in entries
    }
    rows[TOTAL] = _endpoint(TOTAL, entries, window)
    return rows


def _endpoint(name: str, entries: list[Mapping[str, Any]], window: float) -> Endpoint:
    """One row; throughput is over the whole run's window, so rows add up."""
    times: Counter[float] = Counter()
    for entry in entries:
        times.update({float(ms): n for ms, n in entry["response_times"].items()})
    requests = sum(entry["num_requests"] for entry in entries)
    return Endpoint(
        name=name,
        requests=requests,
        failures=sum(entry["num_failures"] for entry in entries),
        per_second=round(requests / window, 1) if window > 0 else 0.0,
        p50_ms=percentile(times, 0.50),
        p95_ms=percentile(times, 0.95),
        p99_ms=percentile(times, 0.99),
    )


def percentile(times: Mapping[float, int], fraction: float) -> float:
    """The smallest response time at or below which `fraction` of requests fall."""
    total = sum(times.values())
    if total == 0:
        return 0.0
    wanted = fraction * total
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= wanted:
            return ms
    return max(times)


def ceiling_ratio(mixed: Endpoint, trivial: Endpoint) -> float:
    """The mixed workload's throughput as a share of the framework's ceiling."""
    if not trivial.per_second:
        return 0.0
    return round(mixed.per_second / trivial.per_second, 3)


def failure_lines(lines: Iterable[str]) -> list[str]:
    """`failed` lines of the run's log, counted: '3 x POST approve: 409 ...'."""
    counts = Counter(
        line.removeprefix("failed ") for line in lines if line.startswith("failed ")
    )
    return [f"{n} x {what}" for what, n in counts.most_common()]
