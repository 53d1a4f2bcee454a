"""The process's Prometheus instruments: request latency and counts, committed audit
events, Confluence polling passes.

They are made once per process, on first use rather than at import, because
prometheus-client picks its storage (in memory, or files under
`PROMETHEUS_MULTIPROC_DIR` for several workers) when the first one is made. Every
label is bounded: routes by template, methods from a fixed list, statuses by class.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import Counter, Histogram

PREFIX = "signoff_"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"  # any other verb a client invents: one label, not one each


@dataclass(frozen=True)
class Instruments:
    request_seconds: Histogram
    requests: Counter
    actions: Counter
    confluence_passes: Counter


@cache
def instruments() -> Instruments:
    """This process's instruments, registered with prometheus-client's registry."""
    http = ("method", "route", "status")
    return Instruments(
        request_seconds=Histogram(
            f"{PREFIX}http_request_duration_seconds",
            "Time from a request's arrival to its last byte, by route template.",
            http,
        ),
        requests=Counter(
            f"{PREFIX}http_requests",
            "Requests answered, by route template and status class.",
            http,
        ),
        actions=Counter(
            f"{PREFIX}actions",
            "Audit events written by committed transactions, by action.",
            ("action",),
        ),
        confluence_passes=Counter(
            f"{PREFIX}confluence_passes",
            "Polling passes over a Confluence site, by site and outcome (ok, failed).",
            ("site", "outcome"),
        ),
    )


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER_METHOD


def status_label(status: int) -> str:
    """`2xx` for 200..299, and so on: five values at most."""
    return f"{status // 100}xx"
