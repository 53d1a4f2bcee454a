"""`GET /metrics`: Prometheus's view of the server, for operators only.

Off unless `SIGNOFF_METRICS_TOKEN` is set: then the route answers 404, as for any
unknown path, and nothing is measured. On, it answers only a caller that sends
`Authorization: Bearer <that token>` (compared in constant time). Under several
worker processes each writes its figures into `PROMETHEUS_MULTIPROC_DIR` (made by
`metrics_dir.prepare_metrics_dir`), and any worker answers with the sum of all.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from signoff.api.committed import count_committed_facts
from signoff.api.instruments import instruments
from signoff.api.metrics_dir import MULTIPROCESS_ENV
from signoff.api.operations_collector import OperationsCollector
from signoff.api.request_metrics import RequestMetricsMiddleware
from signoff.config import Settings
from signoff.db.session import Database

PATH = "/metrics"


class _ThisProcess(Collector):
    """The default registry's series: this process's instruments, and the client
    library's own process and Python figures."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scrape_registry(db: Database, app: FastAPI) -> CollectorRegistry:
    """What one scrape reports: every worker's instruments (from the shared
    directory when there is one, else this process's), and the database's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(OperationsCollector(db, clock=lambda: app.state.clock()))
    return registry


def install_metrics(app: FastAPI, settings: Settings, db: Database) -> None:
    """Add the route; when a token is set, also start measuring requests and
    committed actions (the middleware goes outside those added before it)."""
    app.add_api_route(PATH, scrape, methods=["GET"], include_in_schema=False)
    app.state.metrics_token = settings.metrics_token
    if not settings.metrics_token:
        return
    instruments()
    count_committed_facts()
    app.state.metrics_registry = scrape_registry(db, app)
    app.add_middleware(RequestMetricsMiddleware, routes=app.router.routes)


def scrape(request: Request) -> Response:
    token: str | None = request.app.state.metrics_token
    if not token:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    if not bearer_matches(request.headers.get("authorization", ""), token):
        return PlainTextResponse(
            "A bearer token is required: the value of SIGNOFF_METRICS_TOKEN.",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="signoff-metrics"'},
        )
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def bearer_matches(header: str, token: str) -> bool:
    """Whether `Authorization` carries exactly `token`, compared in constant time
    (the scheme's name in any case, as RFC 7235 allows)."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
