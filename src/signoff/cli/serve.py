"""`signoff serve`: migrate, then run the web application under uvicorn.

Migrations run once, here in the parent, before any worker process starts. Uvicorn
then builds the application in each worker through the factory
`signoff.api.app:create_app_from_environment`, so the resolved settings travel to the
workers as `SIGNOFF_*` environment variables.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer
import uvicorn
from rich.markup import escape

from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    fail,
    prepare_site,
    settings_from,
)
from signoff.config import Settings

FACTORY = "signoff.api.app:create_app_from_environment"

HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[
    int, typer.Option("--port", min=1, max=65535, help="TCP port to listen on.")
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Server processes sharing the database. Any number on PostgreSQL; on "
        "SQLite one is recommended (it has one writer at a time).",
    ),
]


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = 1,
    outbox: Annotated[
        bool,
        typer.Option(
            "--outbox/--no-outbox",
            help="Deliver notifications from the server (else run `signoff worker`).",
        ),
    ] = True,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply pending migrations, then serve the UI and the API."""
    refuse_taken_port(host, port)
    settings = settings_from(data_dir, database_url)
    prepare_site(settings)
    if workers > 1 and settings.is_sqlite:
        err().print(
            f"note: {workers} processes share one SQLite file, which takes one "
            "writer at a time; one process is recommended (or use PostgreSQL).",
            markup=False,
        )
    url = f"http://{host}:{port}"
    emit(
        as_json,
        {"url": url, "dataDir": str(settings.data_dir.resolve()), "workers": workers},
        f"Serving Signoff on [bold]{escape(url)}[/bold] (Ctrl+C stops it).",
    )
    run_server(settings, host=host, port=port, workers=workers, outbox=outbox)


def refuse_taken_port(host: str, port: int) -> None:
    """End the command (exit 1) when `port` cannot be listened on, before anything
    says "Serving": uvicorn would only log the failure after startup.

    The probe sets SO_REUSEADDR as uvicorn does, so a port left in TIME_WAIT by a
    server just stopped counts as free, and one with a listener does not.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            fail(
                f"port {port} is in use; choose another with make run PORT=... "
                "(or --port N)."
            )


def run_server(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 1,
    outbox: bool = True,
) -> None:
    """Run uvicorn until it is stopped; it shuts the application down gracefully.

    With `workers` > 1 every process serves requests and, with `outbox`, runs its own
    background worker: outbox claims skip each other's rows, and the sweeper and the
    Confluence poller take turns (`notify.single_run`). Forwarded headers are believed
    only from `SIGNOFF_TRUSTED_PROXIES`, never by uvicorn's default (loopback): the
    login throttle counts failures per client address, and a client on this host would
    otherwise name a new one per guess.
    """
    # Neither import loads the metrics library: its multiprocess directory must be
    # in place before any process does (`api.metrics_dir`).
    from signoff.api.metrics_dir import prepare_metrics_dir
    from signoff.api.request_log import log_config

    os.environ.update(worker_environment(settings, outbox=outbox))
    if settings.metrics_token:
        prepare_metrics_dir(settings.data_dir)
    proxies = settings.trusted_proxy_list
    uvicorn.run(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=log_config(settings.log_format),
        access_log=settings.log_format != "json",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def worker_environment(settings: Settings, *, outbox: bool) -> dict[str, str]:
    """The `SIGNOFF_*` variables each server process builds its settings from, on
    top of the environment it inherits."""
    environment = {
        "SIGNOFF_DATA_DIR": str(settings.data_dir.resolve()),
        "SIGNOFF_RUN_WORKER": "1" if outbox else "0",
    }
    if settings.database_url:
        environment["SIGNOFF_DATABASE_URL"] = settings.database_url
    return environment
