"""`signoff audit`: verify the hash chains, sign checkpoints of their heads, and
stream a space's trail to a file.

Each runs in one read transaction, so it sees a consistent snapshot while the server
keeps writing; export walks the events in batches and never holds the trail in memory.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from signoff.actions.unit import utcnow
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
from signoff.config import site_secret
from signoff.domain.audit_chain import utc_text
from signoff.domain.checkpoints import (
    ChainHead,
    Checkpoint,
    CheckpointVerdict,
    compare_heads,
    parse_document,
    signature_holds,
    signed_document,
)
from signoff.domain.errors import BadInput
from signoff.queries.audit import (
    AuditFilter,
    AuditWriter,
    ChainReport,
    ExportRow,
    chain_heads,
    export_csv,
    export_jsonl,
    hashes_at,
    iter_audit_events,
    verify_audit_chains,
)

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
STDOUT = "-"


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


WRITERS: dict[ExportFormat, AuditWriter] = {
    ExportFormat.csv: export_csv,
    ExportFormat.jsonl: export_jsonl,
}


@app.command("verify")
def verify(
    space: Annotated[
        str | None, typer.Option("--space", help="Check only this space's chain.")
    ] = None,
    checkpoint_file: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="Also check a checkpoint from `signoff audit checkpoint`: its "
            "signature, and that each chain still holds the event it names.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exit 0 when every chain (and the checkpoint) verifies; exit 1 naming the
    first bad event or the checkpoint's problem."""
    claimed = read_checkpoint(checkpoint_file) if checkpoint_file else None
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        reports = verify_audit_chains(session, space_key=space)
        verdict = (
            check_checkpoint(session, claimed, reports, space, site_secret(settings))
            if claimed
            else None
        )
    first_bad = next((report for report in reports if report.broken), None)
    result: dict[str, Any] = {
        "valid": first_bad is None and (verdict is None or verdict.holds),
        "chains": [chain_json(report) for report in reports],
        "firstBreak": chain_json(first_bad)["broken"] if first_bad else None,
    }
    human = verdict_text(reports, first_bad)
    if verdict is not None:
        result["checkpoint"] = verdict_json(verdict)
        human += "\n" + verdict_line(verdict)
    emit(as_json, result, human)
    if not result["valid"]:
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
    def __init__(self, events: Iterator[ExportRow]) -> None:
        self._events, self.count = events, 0

    def __iter__(self) -> Iterator[ExportRow]:
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


# --- checkpoints -------------------------------------------------------------------


@app.command("checkpoint")
def checkpoint(
    space: Annotated[
        str | None, typer.Option("--space", help="Only this space's chain.")
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", help="File to write; '-' or none writes to stdout."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print each chain's head signed with the site key; keep it off this machine.

    A broken chain gets no checkpoint (exit 1): signing it would vouch for the damage.
    """
    settings = settings_from(data_dir, database_url)
    with open_database(settings) as db, db.read() as session:
        reports = verify_audit_chains(session, space_key=space)
        first_bad = next((report for report in reports if report.broken), None)
        if first_bad is not None:
            fail(f"{verdict_text(reports, first_bad)} No checkpoint issued.")
        heads = chain_heads(session, reports)
    document = signed_document(
        Checkpoint(issued_at=utc_text(utcnow()), heads=tuple(heads)),
        site_secret(settings),
    )
    if out in (None, STDOUT):
        typer.echo(
            json.dumps(document, ensure_ascii=False, indent=None if as_json else 2)
        )
        return
    assert out is not None
    write_atomically(
        Path(out), [json.dumps(document, ensure_ascii=False, indent=2) + "\n"]
    )
    emit(
        as_json,
        {"out": out, "issuedAt": document["issuedAt"], "chains": len(heads)},
        f"Wrote a checkpoint of {len(heads)} chain(s) to {escape(out)}.",
    )


def read_checkpoint(path: Path) -> tuple[Checkpoint, str]:
    """The checkpoint in `path` and its claimed signature; BadInput (exit 2) when the
    file is missing, not JSON, or not a checkpoint."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(
            f"Cannot read the checkpoint {path}: {error.strerror or error}."
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadInput(f"The checkpoint {path} is not JSON.") from error
    return parse_document(document)


def heads_in_scope(
    checkpoint: Checkpoint, reports: list[ChainReport], space: str | None
) -> list[ChainHead]:
    """Every head, or with `--space` only that space's (which must be there)."""
    if space is None:
        return list(checkpoint.heads)
    chains = {report.chain for report in reports}
    heads = [head for head in checkpoint.heads if head.chain in chains]
    if not heads:
        raise BadInput(f"The checkpoint has no head for space {space!r}.")
    return heads


def check_checkpoint(
    session: Session,
    claimed: tuple[Checkpoint, str],
    reports: list[ChainReport],
    space: str | None,
    key: str,
) -> CheckpointVerdict:
    """An unsigned claim is compared with nothing: a bad signature ends the check."""
    checkpoint, claimed_signature = claimed
    if not signature_holds(checkpoint, claimed_signature, key):
        return CheckpointVerdict(checkpoint, checks=None)
    heads = heads_in_scope(checkpoint, reports, space)
    found = hashes_at(session, [(head.chain, head.seq) for head in heads])
    return CheckpointVerdict(checkpoint, checks=tuple(compare_heads(heads, found)))


def verdict_json(verdict: CheckpointVerdict) -> dict[str, Any]:
    return {
        "issuedAt": verdict.checkpoint.issued_at,
        "signatureValid": verdict.checks is not None,
        "valid": verdict.holds,
        "heads": [
            {
                "chain": check.head.chain,
                "space": check.head.space,
                "seq": check.head.seq,
                "hash": check.head.hash,
                "found": check.found,
                "holds": check.holds,
                "problem": check.problem,
            }
            for check in verdict.checks or ()
        ],
    }


def verdict_line(verdict: CheckpointVerdict) -> str:
    if verdict.checks is None:
        return (
            "CHECKPOINT REJECTED: its signature does not match; the file was "
            "altered, or signed with another site key."
        )
    broken = [check for check in verdict.checks if not check.holds]
    if not broken:
        return (
            f"OK: checkpoint of {escape(verdict.checkpoint.issued_at)}: signature "
            f"valid, {len(verdict.checks)} chain head(s) still in place."
        )
    return "\n".join(
        f"CHECKPOINT BROKEN: chain {escape(check.head.chain)}"
        f"{f' ({escape(check.head.space)})' if check.head.space else ''}: "
        f"{escape(check.problem or '')}."
        for check in broken
    )
