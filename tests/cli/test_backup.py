"""`signoff backup` copies a live SQLite database; `signoff restore` checks a file
before it replaces anything; PostgreSQL's recipe (pg_dump, pg_restore) is run too.

The data is made by the real actions; the backups are real files, the writers real
connections, and the PostgreSQL recipe runs the cluster's own client tools.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from typer.testing import Result

from audit_helpers import as_database_owner_without_triggers
from factories import edit, make_page, make_space, make_user
from pgcluster import PostgresCluster
from signoff.db.migrate import head_revision, upgrade
from signoff.db.models import AuditChainHead, AuditEvent, Page, User
from signoff.db.session import Database, make_engine
from signoff.db.sqlite_backup import copy_online

from .support import json_out, row_counts, signoff

FIRST_REVISION = "04673888e4e6"


def add_history(db: Database, space_key: str = "DOCS", pages: int = 3) -> None:
    """A user, a space and some edited pages, all through the actions."""
    with db.write() as session:
        ann = session.scalar(select(User).where(User.username == "ann"))
        ann = ann or make_user(session, "ann")
        space = make_space(session, space_key, admin=ann)
        for index in range(pages):
            page = make_page(session, space, ann, title=f"Page {index}")
            edit(session, page, ann, f"<p>{index} v2</p>", minutes=index + 1)


def event_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    assert database is not None
    return Path(database)


@pytest.fixture
def live(sqlite_url: str) -> Iterator[Database]:
    database = Database(make_engine(sqlite_url))
    add_history(database)
    yield database
    database.dispose()


@pytest.fixture
def backup_file(live: Database, sqlite_url: str, tmp_path: Path) -> Path:
    target = tmp_path / "signoff-backup.db"
    result = signoff(sqlite_url, tmp_path, "backup", "--out", str(target))
    assert result.exit_code == 0, result.output
    return target


def restore_to(where: Path, backup: Path, *args: str) -> Result:
    """`signoff restore BACKUP` into `where / "signoff.db"`, which must succeed."""
    result = restore(where, backup, *args)
    assert result.exit_code == 0, result.output
    return result


def restore(where: Path, backup: Path | str, *args: str) -> Result:
    url = f"sqlite:///{where / 'signoff.db'}"
    return signoff(url, where, "restore", str(backup), *args)


def verify_json(url: str, data_dir: Path) -> dict[str, object]:
    result = signoff(url, data_dir, "audit", "verify", "--json")
    assert result.exit_code == 0, result.output
    return json_out(result)


def stray_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


# --- backup -----------------------------------------------------------------------


def test_backup_json_reports_the_file_its_events_and_chain_heads(
    live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "nightly.db"
    target.parent.mkdir()

    result = signoff(sqlite_url, tmp_path, "backup", "--out", str(target), "--json")

    assert result.exit_code == 0, result.output
    report = json_out(result)
    with live.read() as session:
        heads = [
            {"chain": head.chain, "seq": head.seq, "hash": head.hash}
            for head in session.scalars(
                select(AuditChainHead).order_by(AuditChainHead.chain)
            )
        ]
    assert report == {
        "database": str(sqlite_file(sqlite_url)),
        "out": str(target),
        "bytes": target.stat().st_size,
        "revision": head_revision(live.engine),
        "auditEvents": event_count(live),
        "chainHeads": heads,
    }
    assert len(heads) == 2
    assert target.stat().st_mode & 0o777 == 0o600  # it holds password hashes
    assert stray_files(target.parent) == []
    assert not Path(f"{target}-wal").exists()  # one self-contained file


def test_backup_prints_the_chain_heads_for_people(
    live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "nightly.db"

    result = signoff(sqlite_url, tmp_path, "backup", "--out", str(target))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Backed up {sqlite_file(sqlite_url)} to {target}")
    assert f"{event_count(live)} audit event(s)" in result.stdout
    assert "chain site ends at seq" in result.stdout


def test_a_backup_taken_between_writes_is_the_database_as_it_began(
    live: Database, tmp_path: Path, sqlite_url: str
) -> None:
    """A few pages a step, and another connection commits an edit after each step:
    the copy holds exactly what was there when it began, and it all verifies."""
    before = event_count(live)
    steps: list[int] = []

    def write_between_steps(copied: int, _total: int) -> None:
        steps.append(copied)
        with live.write() as session:
            ann = session.scalars(select(User).where(User.username == "ann")).one()
            page = session.scalars(select(Page).order_by(Page.id)).first()
            assert page is not None
            edit(session, page, ann, f"<p>during step {len(steps)}</p>")

    target = tmp_path / "snapshot.db"
    target.touch()
    copy_online(sqlite_file(sqlite_url), target, pages=8, on_step=write_between_steps)

    assert len(steps) > 5
    assert event_count(live) == before + len(steps)
    restored = tmp_path / "restored" / "signoff.db"
    restore_to(restored.parent, target)
    copy = Database(make_engine(f"sqlite:///{restored}"))
    try:
        assert event_count(copy) == before
    finally:
        copy.dispose()
    report = verify_json(f"sqlite:///{restored}", tmp_path / "restored")
    assert report["valid"] is True


class Writer(threading.Thread):
    """Edits a page in a loop, one transaction each, until told to stop."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.started_writing = threading.Event()
        self.stop = threading.Event()
        self.writes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        db = Database(make_engine(self.url))
        try:
            while not self.stop.is_set():
                with db.write() as session:
                    ann = session.scalars(
                        select(User).where(User.username == "ann")
                    ).one()
                    page = session.scalars(select(Page).order_by(Page.id)).first()
                    assert page is not None
                    edit(session, page, ann, f"<p>write {self.writes}</p>")
                self.writes += 1
                self.started_writing.set()
        except BaseException as error:  # reported by the test
            self.error = error
            self.started_writing.set()
        finally:
            db.dispose()


def test_backup_while_another_connection_keeps_writing_is_consistent(
    live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    before = event_count(live)
    writer = Writer(sqlite_url)
    writer.start()
    try:
        assert writer.started_writing.wait(timeout=60)
        result = signoff(
            sqlite_url, tmp_path, "backup", "--out", str(tmp_path / "b.db"), "--json"
        )
    finally:
        writer.stop.set()
        writer.join(timeout=60)

    assert writer.error is None
    assert result.exit_code == 0, result.output
    backed_up = json_out(result)["auditEvents"]
    assert isinstance(backed_up, int)
    assert before < backed_up <= event_count(live)
    restored = tmp_path / "restored" / "signoff.db"
    restore_to(restored.parent, tmp_path / "b.db")
    report = verify_json(f"sqlite:///{restored}", tmp_path / "restored")
    assert report["valid"] is True
    assert sum(chain["events"] for chain in report["chains"]) == backed_up  # type: ignore[attr-defined]


def test_backup_refuses_to_overwrite_a_file_without_force(
    live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "nightly.db"
    target.write_bytes(b"last night's backup")

    refused = signoff(sqlite_url, tmp_path, "backup", "--out", str(target))

    assert refused.exit_code == 1
    assert (
        refused.stderr.strip()
        == f"error: {target} already exists: add --force to replace it."
    )
    assert target.read_bytes() == b"last night's backup"

    forced = signoff(sqlite_url, tmp_path, "backup", "--out", str(target), "--force")

    assert forced.exit_code == 0, forced.output
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_backup_never_writes_over_the_database_itself(
    live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    database = sqlite_file(sqlite_url)
    before = row_counts(live)

    result = signoff(sqlite_url, tmp_path, "backup", "--out", str(database), "--force")

    assert result.exit_code == 2
    assert "cannot replace the database itself" in result.stderr
    assert row_counts(live) == before


def test_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none' / 'signoff.db'}"

    result = signoff(url, tmp_path, "backup", "--out", str(tmp_path / "b.db"))

    assert result.exit_code == 1
    assert "nothing to back up" in result.stderr
    assert not (tmp_path / "b.db").exists()
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("command", [["backup", "--out", "b.db"], ["restore", "b.db"]])
def test_on_postgresql_both_commands_point_to_the_pg_dump_recipe(
    db_url: str, tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "other").mkdir()

    result = signoff(db_url, tmp_path / "other", *command)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "pg_dump and pg_restore as docs/backup.md shows" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


# --- restore ----------------------------------------------------------------------


def test_restore_into_an_empty_location_verifies_and_keeps_every_row(
    live: Database, backup_file: Path, tmp_path: Path
) -> None:
    where = tmp_path / "new-site"
    restored = where / "signoff.db"
    report = json_out(restore_to(where, backup_file, "--json"))

    copy = Database(make_engine(f"sqlite:///{restored}"))
    try:
        assert row_counts(copy) == row_counts(live)
    finally:
        copy.dispose()
    assert report == {
        "database": str(restored),
        "from": str(backup_file),
        "bytes": restored.stat().st_size,
        "backupRevision": head_revision(live.engine),
        "revision": head_revision(live.engine),
        "upgraded": False,
        "replaced": False,
        "auditEvents": event_count(live),
        "chains": 2,
    }
    verified = verify_json(f"sqlite:///{restored}", where)
    assert verified["valid"] is True
    assert sum(c["events"] for c in verified["chains"]) == event_count(live)  # type: ignore[attr-defined]
    assert stray_files(where) == []


def test_restore_over_an_empty_migrated_database_needs_no_force(
    backup_file: Path, sqlite_template: Path, tmp_path: Path
) -> None:
    where = tmp_path / "fresh"
    where.mkdir()
    (where / "signoff.db").write_bytes(sqlite_template.read_bytes())

    result = restore_to(where, backup_file)

    assert "2 audit chain(s), " in result.stdout


def test_restore_refuses_a_database_with_data_without_force(
    live: Database, backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    add_history(live, "MORE")
    before = row_counts(live)

    result = signoff(sqlite_url, tmp_path, "restore", str(backup_file))

    assert result.exit_code == 1
    assert "already holds data" in result.stderr
    assert "--force" in result.stderr
    assert row_counts(live) == before


def test_restore_with_force_replaces_the_data_and_drops_a_stale_log(
    live: Database, backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    """A log left by the replaced database would be replayed into the restored one."""
    backed_up = row_counts(live)
    add_history(live, "MORE")
    live.dispose()
    database = sqlite_file(sqlite_url)
    leave_a_stale_log(database)

    result = restore_to(tmp_path, backup_file, "--force", "--json")

    assert json_out(result)["replaced"] is True
    restored = Database(make_engine(sqlite_url))
    try:
        assert row_counts(restored) == backed_up
        with restored.read() as session:
            names = set(session.scalars(select(User.display_name)))
        assert "Stale" not in names
    finally:
        restored.dispose()
    assert verify_json(sqlite_url, tmp_path)["valid"] is True


def leave_a_stale_log(database: Path) -> None:
    """Commit a change that stays in the write-ahead log, and keep that log after
    the database is closed, as a crashed server would."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("UPDATE users SET display_name = 'Stale'")
    wal, shm = (Path(f"{database}{side}") for side in ("-wal", "-shm"))
    saved = wal.read_bytes(), shm.read_bytes()
    connection.close()
    wal.write_bytes(saved[0])
    shm.write_bytes(saved[1])


def test_restore_upgrades_an_older_backup_to_this_schema(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, FIRST_REVISION)
    head = head_revision(engine)
    engine.dispose()

    report = json_out(restore_to(tmp_path / "site", old, "--json"))

    assert (report["backupRevision"], report["revision"]) == (FIRST_REVISION, head)
    assert report["upgraded"] is True


def truncated(backup: Path) -> bytes:
    data = backup.read_bytes()
    return data[: len(data) // 3]


def not_signoff(tmp_path: Path) -> bytes:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    return other.read_bytes()


def bad_content(kind: str, backup: Path, tmp_path: Path) -> bytes:
    if kind == "garbage":
        return b"\x00\x01 not a database " * 300
    if kind == "empty":
        return b""
    if kind == "truncated":
        return truncated(backup)
    return not_signoff(tmp_path)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("garbage", "is not a SQLite database."),
        ("empty", "is not a SQLite database."),
        ("truncated", "is damaged: "),
        ("another application's", "is a SQLite database, but not one of Signoff's."),
    ],
)
def test_a_file_that_is_not_a_signoff_backup_is_refused_and_nothing_written(
    backup_file: Path, tmp_path: Path, kind: str, problem: str
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(bad_content(kind, backup_file, tmp_path))
    where = tmp_path / "site"

    result = restore(where, bad)

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {bad}")
    assert problem in result.stderr
    assert not where.exists()


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    where = tmp_path / "site"

    result = restore(where, "nope.db")

    assert result.exit_code == 2
    assert result.stderr.strip() == "error: nope.db: no such file."
    assert not where.exists()


def test_a_backup_from_a_newer_signoff_is_refused(
    backup_file: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(backup_file) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    connection.close()
    where = tmp_path / "site"

    result = restore(where, backup_file)

    assert result.exit_code == 1
    assert "schema revision ffffffffffff" in result.stderr
    assert "newer Signoff" in result.stderr
    assert not where.exists()


def test_a_backup_whose_audit_trail_was_edited_is_refused(
    backup_file: Path, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{backup_file}")
    with as_database_owner_without_triggers(engine) as connection:
        connection.execute(
            update(AuditEvent).where(AuditEvent.id == 3).values(text="Nothing.")
        )
    engine.dispose()
    where = tmp_path / "site"
    where.mkdir()

    result = restore(where, backup_file)

    assert result.exit_code == 1
    assert "does not verify" in result.stderr
    assert "hash does not match its content" in result.stderr
    assert list(where.iterdir()) == []


# --- PostgreSQL: the documented recipe ---------------------------------------------


def pg_tool(cluster: PostgresCluster, name: str, *args: str) -> None:
    """Run a client tool of the cluster's own version; clients may run as any OS
    user, and connect as the cluster's superuser over its socket."""
    done = subprocess.run(
        [str(cluster.bin_dir / name), *args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_pg_dump_recipe_restores_a_database_whose_trail_verifies(
    db: Database,
    db_url: str,
    pg_cluster: PostgresCluster,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    add_history(db)
    source = make_url(db_url).database
    assert source is not None
    dump = tmp_path / "signoff.dump"

    pg_tool(
        pg_cluster,
        "pg_dump",
        "--format=custom",
        f"--file={dump}",
        f"--dbname={pg_cluster.conninfo(source)}",
    )
    name = f"restored_{source}"
    restored_url = pg_cluster.create_database(name)
    request.addfinalizer(lambda: pg_cluster.drop_database(name))
    pg_tool(
        pg_cluster,
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={pg_cluster.conninfo(name)}",
        str(dump),
    )

    report = verify_json(restored_url, tmp_path)
    assert report["valid"] is True
    assert sum(c["events"] for c in report["chains"]) == event_count(db)  # type: ignore[attr-defined]
    restored = Database(make_engine(restored_url))
    try:
        assert row_counts(restored) == row_counts(db)
    finally:
        restored.dispose()
    # Sequences and chain heads came along: the restored site takes new writes.
    added = signoff(
        restored_url, tmp_path, "user", "add", "bob", "--password", "long enough pass"
    )
    assert added.exit_code == 0, added.output
    assert verify_json(restored_url, tmp_path)["valid"] is True
