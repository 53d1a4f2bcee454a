"""`signoff worker`: deliver the outbox, do what time alone changes (expiry,
reminders), and poll connected Confluence sites (in a thread of its own), as a
process of its own; `--once` does one Confluence pass, one sweep and one batch.

Run one per machine, or several side by side on PostgreSQL (claims skip each other's
locked rows). On SQLite the loop also checkpoints the WAL in a thread of its own.
SIGINT or SIGTERM lets the current message finish, hands the rest of the batch back
and exits 0; a second signal stops at once.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import Annotated

import typer

from signoff.actions.unit import utcnow
from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    open_database,
    settings_from,
)
from signoff.config import site_secret
from signoff.domain.errors import BadInput
from signoff.notify.channels import channel_handlers
from signoff.notify.handlers import Handlers
from signoff.notify.poller import ConfluencePoller
from signoff.notify.sweeper import Sweeper
from signoff.notify.worker import OutboxWorker, WorkerStats

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def counts_json(stats: WorkerStats) -> dict[str, int]:
    """What `--once --json` prints of a run: messages processed, then each outcome."""
    return {
        "processed": stats.processed,
        "delivered": stats.delivered,
        "retried": stats.retried,
        "dead": stats.dead,
        "abandoned": stats.abandoned,
        "lost": stats.lost,
        "released": stats.released,
        "followUps": stats.follow_ups,
    }


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Process one batch, print a summary, exit.")
    ] = False,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1000, help="Messages per claim.")
    ] = 20,
    lease_seconds: Annotated[
        float,
        typer.Option(
            "--lease-seconds",
            min=0.1,
            help="How long a claim lasts before another worker may take it over.",
        ),
    ] = 120.0,
    idle_sleep: Annotated[
        float,
        typer.Option("--idle-sleep", min=0.01, help="Seconds to wait when idle."),
    ] = 1.0,
    handlers: Annotated[
        str | None,
        typer.Option(
            "--handlers",
            envvar="SIGNOFF_WORKER_HANDLERS",
            hidden=True,
            help="module:function returning the Handlers to use (tests, operators).",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deliver outbox messages: webhooks, email and other notifications."""
    settings = settings_from(data_dir, database_url)
    registry = (
        load_handlers(handlers)
        if handlers
        else channel_handlers(settings, site_key=site_secret(settings), clock=utcnow)
    )
    swept: dict[str, int] = {}  # what `--once`'s sweep did; the loop sweeps unseen
    polled: dict[str, int | float] | None = None
    with open_database(settings) as db:
        poller = ConfluencePoller(
            db,
            settings,
            site_secret(settings),
            utcnow,
            settings.confluence_poll_seconds,
        )
        sweeper = Sweeper(db, utcnow)
        outbox = OutboxWorker(
            db,
            registry,
            batch=batch,
            lease=timedelta(seconds=lease_seconds),
            between=sweeper.maybe_sweep,
        )
        stop = threading.Event()
        with stop_on_signals(stop):
            if once:
                # The pass and the sweep first: the batch also carries what they queued.
                polled = poller.run_once()
                expired, reminded = sweeper.sweep()
                swept = {"expired": expired, "reminded": reminded}
                outbox.run_once(stop)
            else:
                logging.basicConfig(
                    level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                )
                err().print(
                    f"Outbox worker running (batch {batch}, lease {lease_seconds:g} s);"
                    " Ctrl+C stops it.",
                    markup=False,
                )
                db.start_checkpoints()  # SQLite; `open_database` stops them
                poller.start()
                try:
                    outbox.run_forever(stop, idle_sleep=idle_sleep)
                finally:
                    poller.stop()
    stats = outbox.stats
    confluence = {"confluence": polled} if once else {}
    emit(
        as_json,
        {**counts_json(stats), **swept, **confluence},
        f"Processed {stats.processed} message(s): {stats.delivered} delivered, "
        f"{stats.retried} to retry, {stats.dead} dead."
        + (
            f" Swept {swept['expired']} expired approval(s), "
            f"{swept['reminded']} reminder(s)."
            if swept
            else ""
        )
        + _polled_text(polled),
    )


def _polled_text(polled: dict[str, int | float] | None) -> str:
    """A sentence about `--once`'s Confluence pass, when it saw anything."""
    if not polled or not polled["pagesSeen"]:
        return ""
    return (
        f" Confluence: {polled['pagesSeen']} page(s) seen, "
        f"{polled['versionsRecorded']} version(s) recorded."
    )


def load_handlers(spec: str) -> Handlers:
    """The registry a `module:function` factory returns."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise BadInput(f"--handlers must be module:function, not {spec!r}.")
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise BadInput(f"--handlers {spec!r} cannot be loaded: {error}") from error
    registry = factory()
    if not isinstance(registry, Handlers):
        raise BadInput(f"--handlers {spec!r} did not return a Handlers registry.")
    return registry


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first SIGINT/SIGTERM sets `stop`; the handlers then step aside."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install signal handlers
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        restore()  # a second signal acts as usual: stop now

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        restore()
