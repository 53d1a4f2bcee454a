"""`signoff backup` and `signoff restore`: the SQLite database to one file and back.

A backup is an online copy, taken while the server keeps writing, that must pass
SQLite's integrity check before it is renamed into place. A restore checks the file
(SQLite, undamaged, a schema this Signoff knows, an audit trail that verifies) on a
private copy before that copy replaces anything. PostgreSQL has its own tools: both
commands say so and point to the recipe in docs/backup.md.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.filesize import decimal
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from sqlalchemy.engine import make_url

from signoff.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    err,
    settings_from,
)
from signoff.config import Settings
from signoff.db import migrate, sqlite_backup
from signoff.db.session import Database, make_engine
from signoff.domain.errors import BadInput, InvalidState, SignoffError
from signoff.queries.audit import ChainReport, verify_audit_chains

PROGRESS_FROM_BYTES = 64 * 1024 * 1024
"""Smaller databases copy in a moment: no progress bar for them."""
RECIPE = "docs/backup.md"

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace what is already there.")
]


def backup(
    out: Annotated[
        Path,
        typer.Option("--out", help="The backup file to write.", show_default=False),
    ],
    force: ForceOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the SQLite database to one file, while the server keeps running."""
    settings = settings_from(data_dir, database_url)
    source = database_file(settings, "backup")
    if not source.is_file():
        raise InvalidState(f"There is no database at {source}: nothing to back up.")
    sqlite_backup.check_backup_target(source, out, force)
    with sqlite_backup.staging_beside(out, ".partial") as staging:
        with step_display(source.stat().st_size, quiet=as_json) as on_step:
            copy_or_refuse(source, staging, on_step)
        held = sqlite_backup.contents(staging)
        size = staging.stat().st_size
        sqlite_backup.install(staging, out)
    heads = [asdict(head) for head in held.chain_heads]
    emit(
        as_json,
        {
            "database": str(source),
            "out": str(out.resolve()),
            "bytes": size,
            "revision": held.revision,
            "auditEvents": held.audit_events,
            "chainHeads": heads,
        },
        f"Backed up {escape(str(source))} to {escape(str(out.resolve()))}: "
        f"{decimal(size)}, schema {held.revision}, "
        f"{held.audit_events} audit event(s).\n"
        + "\n".join(
            f"  chain {escape(h['chain'])} ends at seq {h['seq']}: {h['hash']}"
            for h in heads
        ),
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `signoff backup`.")],
    force: ForceOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the SQLite database with a backup (stop the server first)."""
    settings = settings_from(data_dir, database_url)
    target = database_file(settings, "restore")
    backup_revision = sqlite_backup.check_backup_file(file, target)
    replaced = sqlite_backup.holds_data(target)
    if replaced and not force:
        raise InvalidState(
            f"{target} already holds data: stop the server and add --force to "
            "replace it with the backup."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_backup.staging_beside(target, ".restoring") as staging:
        shutil.copyfile(file, staging)
        revision, reports = upgrade_and_verify(staging, file)
        sqlite_backup.settle(staging)
        size = staging.stat().st_size
        sqlite_backup.install(staging, target)
    events = sum(report.events for report in reports)
    upgraded = revision != backup_revision
    emit(
        as_json,
        {
            "database": str(target),
            "from": str(file),
            "bytes": size,
            "backupRevision": backup_revision,
            "revision": revision,
            "upgraded": upgraded,
            "replaced": replaced,
            "auditEvents": events,
            "chains": len(reports),
        },
        f"Restored {escape(str(file))} into {escape(str(target))} ({decimal(size)}).\n"
        + (
            f"Schema upgraded from {backup_revision} to {revision}.\n"
            if upgraded
            else f"Schema at {revision}.\n"
        )
        + f"{len(reports)} audit chain(s), {events} event(s), all verify.",
    )


def database_file(settings: Settings, command: str) -> Path:
    """The SQLite file the settings name; PostgreSQL is pg_dump's job."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        raise InvalidState(
            f"`signoff {command}` works on SQLite; this database is "
            f"{url.get_backend_name()}: use pg_dump and pg_restore as {RECIPE} shows."
        )
    if not url.database or url.database == ":memory:":
        raise BadInput("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def copy_or_refuse(
    source: Path, target: Path, on_step: sqlite_backup.StepReport | None
) -> None:
    try:
        sqlite_backup.copy_online(source, target, on_step=on_step)
    except sqlite3.Error as error:
        raise SignoffError(f"The backup of {source} failed: {error}.") from error


def upgrade_and_verify(staging: Path, file: Path) -> tuple[str, list[ChainReport]]:
    """Bring the copy to this Signoff's schema, then verify every audit chain."""
    engine = make_engine(f"sqlite:///{staging}")
    try:
        migrate.upgrade(engine)
        revision = migrate.current_revision(engine)
        with Database(engine).read() as session:
            reports = verify_audit_chains(session)
    finally:
        engine.dispose()
    assert revision is not None
    for report in reports:
        if report.broken is not None:
            raise InvalidState(
                f"{file}: audit chain {report.chain} does not verify at seq "
                f"{report.broken.seq} ({report.broken.problem}); nothing restored."
            )
    return revision, reports


@contextmanager
def step_display(
    size: int, *, quiet: bool
) -> Iterator[sqlite_backup.StepReport | None]:
    """A progress bar on stderr for people copying a large database; else nothing."""
    console = err()
    if quiet or not console.is_terminal or size < PROGRESS_FROM_BYTES:
        yield None
        return
    with Progress(
        TextColumn("Backing up"),
        BarColumn(),
        DownloadColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=size)

        def on_step(copied: int, total: int) -> None:  # pages, shown as bytes
            progress.update(task, completed=size * copied // max(total, 1))

        yield on_step
