"""Serve a site with uvicorn on 127.0.0.1 and a free port, in a background thread.

    with run_site(ConfluenceSite()) as running:
        httpx.get(running.site_url + "/api/v2/spaces", auth=...)

`running.site_url` is the site form (`http://127.0.0.1:PORT/wiki`) and
`running.gateway_url` the gateway form (`.../ex/confluence/CLOUDID/wiki`), each the
wiki base a person would paste into the connector.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from confluence_site.app import Transports, create_app
from confluence_site.site import ConfluenceSite


@dataclass(frozen=True)
class RunningSite:
    site: ConfluenceSite
    root: str  # http://127.0.0.1:PORT

    @property
    def site_url(self) -> str:
        return f"{self.root}/wiki"

    @property
    def gateway_url(self) -> str:
        return f"{self.root}/ex/confluence/{self.site.cloud_id}/wiki"


@contextmanager
def run_site(site: ConfluenceSite | None = None) -> Iterator[RunningSite]:
    """Serve `site` (a new one if None) until the block ends."""
    site = site or ConfluenceSite()
    transports: Transports = {}
    # The socket is bound here and handed over, so no other server can take the
    # port between choosing it and listening on it (tests run side by side).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(site, transports),
        host="127.0.0.1",
        port=port,
        http=_tracking_protocol(transports),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [listener]},
        daemon=True,
        name="confluence-site",
    )
    quiet = _DropDeliberateResets()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Confluence stand-in did not start")
            time.sleep(0.01)
        yield RunningSite(site, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        logging.getLogger("uvicorn.error").removeFilter(quiet)


def _tracking_protocol(transports: Transports) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, keeping each connection's transport by peer, so a
    reset fault can abort the connection its request came on."""

    class Tracking(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            if peer:
                transports[(peer[0], peer[1])] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            peer = self.transport.get_extra_info("peername")
            if peer:
                transports.pop((peer[0], peer[1]), None)
            super().connection_lost(exc)

    return Tracking


class _DropDeliberateResets(logging.Filter):
    """Keeps the reset fault's fallback (no transport to abort) out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionResetError)
