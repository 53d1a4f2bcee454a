"""SQLite database files as backups: an online copy, the checks a backup must pass,
and putting a file in place of another atomically.

Everything here works on files with the `sqlite3` module; what a Signoff database
must hold (schema revision, audit chains) is judged by `signoff.cli.backup`.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from signoff.db.migrate import MIGRATIONS
from signoff.domain.errors import BadInput, InvalidState, SignoffError

SQLITE_MAGIC = b"SQLite format 3\x00"
STEP_PAGES = 1024
"""Pages copied per step of the online backup (4 MiB at the default page size)."""
BUSY_TIMEOUT_S = 30.0
SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps beside a database; a stale one would be replayed into another."""

StepReport = Callable[[int, int], None]
"""Called after each step with (pages copied, pages in all)."""


@dataclass(frozen=True)
class ChainHead:
    chain: str
    seq: int
    hash: str


@dataclass(frozen=True)
class Contents:
    """What a backup holds, for the report."""

    revision: str | None
    audit_events: int
    chain_heads: list[ChainHead]


def copy_online(
    source: Path,
    target: Path,
    *,
    pages: int = STEP_PAGES,
    on_step: StepReport | None = None,
) -> None:
    """Copy the live database `source` into `target`, a consistent snapshot.

    The source is opened read-only. Under WAL we hold one read transaction across
    all steps: the copy is the database as of its start, writers carry on between
    steps, and SQLite never has to restart the copy. The target ends as a single
    self-contained file (rollback journal mode), checked and flushed to disk.
    """
    with closing(_open_read_only(source)) as src, closing(_open(target)) as dst:
        wal = src.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        if wal:
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()

        def progress(_status: int, remaining: int, total: int) -> None:
            if on_step is not None:
                on_step(total - remaining, total)

        src.backup(dst, pages=pages, progress=progress)
        if wal:
            src.execute("COMMIT")
        problem = _integrity_problem(dst)
    if problem is not None:
        raise SignoffError(
            f"the copy does not pass SQLite's integrity check: {problem}"
        )
    settle(target)


def check_is_sqlite(path: Path) -> None:
    """Refuse, without opening it, a file that is not a SQLite database at all."""
    if not path.is_file():
        raise BadInput(f"{path}: no such file.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BadInput(f"{path} is not a SQLite database.")


def check_is_closed(path: Path) -> None:
    """Refuse a database with committed pages still in its write-ahead log: a copy
    of the main file alone would miss them."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise BadInput(
            f"{path} has a write-ahead log beside it: it is a live database, not a "
            "backup. Make a backup of it with `signoff backup`."
        )


def check_integrity(path: Path) -> None:
    """SQLite's own full check of every page and index; never writes beside `path`."""
    try:
        with closing(_open_immutable(path)) as connection:
            problem = _integrity_problem(connection)
    except sqlite3.DatabaseError as error:
        problem = str(error)
    if problem is not None:
        raise BadInput(f"{path} is damaged: {problem}.")


def schema_revision(path: Path) -> str | None:
    """The Alembic revision stamped in the file; None when it has none."""
    with closing(_open_immutable(path)) as connection:
        try:
            row = connection.execute(
                "SELECT version_num FROM alembic_version"
            ).fetchone()
        except sqlite3.OperationalError:  # no such table: not made by Alembic
            return None
    return None if row is None else str(row[0])


def contents(path: Path) -> Contents:
    """Schema revision, audit event count and chain heads of a Signoff database."""
    with closing(_open_immutable(path)) as connection:
        try:
            events = connection.execute("SELECT count(*) FROM audit_events").fetchone()
            heads = connection.execute(
                "SELECT chain, seq, hash FROM audit_chain_heads ORDER BY chain"
            ).fetchall()
        except sqlite3.OperationalError as error:
            raise BadInput(f"{path} is not a Signoff database ({error}).") from error
    return Contents(
        revision=schema_revision(path),
        audit_events=int(events[0]),
        chain_heads=[ChainHead(str(c), int(s), str(h)) for c, s, h in heads],
    )


def holds_data(path: Path) -> bool:
    """Whether `path` holds anything worth keeping: any row outside Alembic's stamp.

    Read through its write-ahead log, if any; a file SQLite cannot read counts as
    data, since we cannot tell.
    """
    if not path.exists():
        return False
    try:
        with closing(_open_read_only(path)) as connection:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
                )
            ]
            return any(_has_rows(connection, name) for name in tables)
    except sqlite3.DatabaseError:
        return path.stat().st_size > 0


@contextmanager
def staging_beside(target: Path, suffix: str) -> Iterator[Path]:
    """A private (mode 0600) empty file in `target`'s directory, removed on exit
    unless it was moved into place; same directory, so the rename is atomic."""
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix, dir=target.parent
    )
    os.close(fd)
    staging = Path(name)
    try:
        yield staging
    finally:
        for side in ("", *SIDE_FILES):
            staging.with_name(staging.name + side).unlink(missing_ok=True)


def settle(path: Path) -> None:
    """Make `path` one self-contained file on disk: no write-ahead log beside it."""
    with closing(_open(path)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    fsync(path)


def install(staging: Path, target: Path) -> None:
    """Put `staging` in place of `target` in one rename, after removing the target's
    stale side files: SQLite would replay an old log into the new database."""
    if target.exists():
        _keep_owner_and_mode(target, staging)
    for side in SIDE_FILES:
        target.with_name(target.name + side).unlink(missing_ok=True)
    os.replace(staging, target)
    fsync(target.parent)


def fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (a rename), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_owner_and_mode(original: Path, replacement: Path) -> None:
    """The server must still open the file when an administrator replaced it."""
    status = original.stat()
    with suppress(PermissionError):  # only root may give a file away
        os.chown(replacement, status.st_uid, status.st_gid)
    os.chmod(replacement, status.st_mode & 0o777)


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
    )


def _open_immutable(path: Path) -> sqlite3.Connection:
    """Read-only without locks or side files: for a file nobody else has open."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None
    )


def _has_rows(connection: sqlite3.Connection, table: str) -> bool:
    query = f'SELECT EXISTS (SELECT 1 FROM "{table}")'  # noqa: S608 (from sqlite_master)
    return bool(connection.execute(query).fetchone()[0])


def _integrity_problem(connection: sqlite3.Connection) -> str | None:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def check_backup_target(source: Path, out: Path, force: bool) -> None:
    """Refuse a backup file that would replace a directory, the database itself, or
    (without `force`) an existing file."""
    if out.is_dir():
        raise BadInput(f"{out} is a directory: name the backup file.", field="out")
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: no such directory.", field="out")
    if out.exists() and out.resolve() == source.resolve():
        raise BadInput("The backup cannot replace the database itself.", field="out")
    if out.exists() and not force:
        raise InvalidState(f"{out} already exists: add --force to replace it.")


def check_backup_file(file: Path, target: Path) -> str:
    """Refuse a file that is not an undamaged Signoff database this version can
    read; return its schema revision. Opens `file` read-only and writes nothing."""
    check_is_sqlite(file)
    check_is_closed(file)
    if target.exists() and file.resolve() == target.resolve():
        raise BadInput("The backup is the database itself: nothing to restore.")
    check_integrity(file)
    revision = schema_revision(file)
    if revision is None:
        raise BadInput(f"{file} is a SQLite database, but not one of Signoff's.")
    scripts = ScriptDirectory(str(MIGRATIONS))
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise InvalidState(
            f"{file} has schema revision {revision}, which this Signoff does not "
            f"know (its newest is {scripts.get_current_head()}): it was written by "
            "a newer Signoff. Upgrade Signoff, then restore."
        )
    return revision
