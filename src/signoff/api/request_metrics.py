"""Timing and counting every request by the template of the route that answered it.

Labels are bounded whatever clients send: the route's template (`route_templates`),
the method from a fixed list, the status by class. The clock starts before the
inner middlewares, so their refusals are measured too.
"""

from __future__ import annotations

import time

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signoff.api.instruments import instruments, method_label, status_label
from signoff.api.route_templates import RouteTemplates, as_asked


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.templates = RouteTemplates(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = as_asked(scope)
        started = time.perf_counter()
        status = 500  # what the server sends when the application raises

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            labels = {
                "method": method_label(scope["method"]),
                "route": self.templates.of(asked, scope, status),
                "status": status_label(status),
            }
            counters = instruments()
            counters.request_seconds.labels(**labels).observe(
                time.perf_counter() - started
            )
            counters.requests.labels(**labels).inc()
