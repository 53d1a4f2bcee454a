"""`signoff audit`: verify the hash chains, and stream a space's trail to a file.

Both run in one read transaction, so they see a consistent snapshot while the server
keeps writing; export walks the events in batches and never holds the trail in memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from signoff.cli.common import (
    EXIT_REFUSED,
    EXIT_USAGE,
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    fail,
    open_database,
    settings_from,
    space_by_key,
)
from signoff.db.models import AuditEvent
from signoff.queries.audit import (
    AuditFilter,
    ChainReport,
    export_csv,
    export_jsonl,
    iter_audit_events,
    verify_audit_chains,
)

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
STDOUT = "-"


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


WRITERS: dict[ExportFormat, Callable[[Iterator[AuditEvent]], Iterator[str]]] = {
    ExportFormat.csv: export_csv,
    ExportFormat.jsonl: export_jsonl,
}


@app.command("verify")
def verify(
    space: Annotated[
        str | None, typer.Option("--space", help="Check only this space's chain.")
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exit 0 when every chain verifies; exit 1 naming the first bad event."""
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        reports = verify_audit_chains(session, space_key=space)
    first_bad = next((report for report in reports if report.broken), None)
    emit(
        as_json,
        {
            "valid": first_bad is None,
            "chains": [chain_json(report) for report in reports],
            "firstBreak": chain_json(first_bad)["broken"] if first_bad else None,
        },
        verdict_text(reports, first_bad),
    )
    if first_bad is not None:
        raise typer.Exit(EXIT_REFUSED)


def chain_json(report: ChainReport) -> dict[str, Any]:
    broken = report.broken
    return {
        "chain": report.chain,
        "events": report.events,
        "valid": broken is None,
        "broken": None
        if broken is None
        else {
            "chain": report.chain,
            "eventId": broken.event_id,
            "seq": broken.seq,
            "problem": broken.problem,
        },
    }


def verdict_text(reports: list[ChainReport], first_bad: ChainReport | None) -> str:
    if first_bad is None:
        events = sum(report.events for report in reports)
        return f"OK: {len(reports)} audit chain(s), {events} event(s), all verify."
    broken = first_bad.broken
    assert broken is not None
    event = (
        f"event id {broken.event_id}"
        if broken.event_id is not None
        else "past its last event"
    )
    return (
        f"BROKEN: chain {escape(first_bad.chain)}, {event} (seq {broken.seq}): "
        f"{escape(broken.problem)}."
    )


@app.command("export")
def export(
    space: Annotated[str, typer.Option("--space", help="Key of the space.")],
    export_format: Annotated[ExportFormat, typer.Option("--format")],
    out: Annotated[
        str | None,
        typer.Option("--out", help="File to write; '-' or none writes to stdout."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stream a space's audit events, oldest first, as CSV or JSON Lines."""
    to_stdout = out in (None, STDOUT)
    if as_json and to_stdout:
        fail("--json needs --out FILE: the export itself goes to stdout.", EXIT_USAGE)
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        space_id = space_by_key(session, space).id
        events = Counted(iter_audit_events(session, AuditFilter(space_id=space_id)))
        chunks = WRITERS[export_format](iter(events))
        if to_stdout:
            write_stdout(chunks)
            return
        assert out is not None
        write_atomically(Path(out), chunks)
    emit(
        as_json,
        {
            "space": space,
            "format": export_format.value,
            "events": events.count,
            "out": out,
        },
        f"Exported {events.count} event(s) of {escape(space)} to {escape(out)}.",
    )


class Counted:
    def __init__(self, events: Iterator[AuditEvent]) -> None:
        self._events, self.count = events, 0

    def __iter__(self) -> Iterator[AuditEvent]:
        for event in self._events:
            self.count += 1
            yield event


def write_stdout(chunks: Iterable[str]) -> None:
    for chunk in chunks:
        sys.stdout.write(chunk)
    sys.stdout.flush()


def write_atomically(path: Path, chunks: Iterable[str]) -> None:
    """Write beside `path` and rename, so a failed export never leaves half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
