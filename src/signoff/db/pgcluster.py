"""A private, throw-away PostgreSQL cluster for the tests and the load test.

``postgres_cluster()`` runs ``initdb`` into a fresh temporary directory, starts
the server listening on a Unix socket only (in a directory of its own, so it
never clashes with another cluster or a system server), yields a
:class:`PostgresCluster`, and on exit stops the server and removes the
directory.

PostgreSQL refuses to run as root, so when the tests run as uid 0 the server
binaries are run as the ``postgres`` user through ``runuser`` and the temporary
directory is handed over to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

__all__ = [
    "PostgresCluster",
    "PostgresNotFoundError",
    "PostgresStartError",
    "find_postgres_bin_dir",
    "postgres_cluster",
]

SUPERUSER = "postgres"
"""The cluster's superuser (``initdb -U``); also the OS user used when root."""

_OS_USER = "postgres"
_SERVER_OPTIONS = (
    "-c listen_addresses=''",
    "-c fsync=off",
    "-c synchronous_commit=on",
    "-c full_page_writes=off",
    "-c max_connections=200",
    "-c idle_in_transaction_session_timeout=60000",
)
_START_TIMEOUT_S = 60
_LOG_TAIL_LINES = 40
# sun_path is 108 bytes on Linux (104 on macOS), including the trailing NUL.
_MAX_SOCKET_PATH = 103


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server binaries were found on this machine."""


class PostgresStartError(RuntimeError):
    """initdb or the server start failed; the message carries the details."""


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin -> (15,) or (9, 6)
    parts = re.findall(r"\d+", bin_dir.parent.name)
    return tuple(int(p) for p in parts) or (0,)


def find_postgres_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``.

    Debian installs them under ``/usr/lib/postgresql/<major>/bin`` (the newest
    major version wins); otherwise ``pg_ctl`` on ``PATH`` is used.
    """
    candidates = [
        p.parent
        for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if (p.parent / "initdb").is_file()
    ]
    if candidates:
        return max(candidates, key=_version_key)
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        bin_dir = Path(on_path).resolve().parent
        if (bin_dir / "initdb").is_file():
            return bin_dir
    raise PostgresNotFoundError(
        "PostgreSQL server binaries not found: no /usr/lib/postgresql/*/bin/pg_ctl "
        "and no pg_ctl with initdb beside it on PATH. "
        "Run `make system-deps` to install PostgreSQL."
    )


def _free_port() -> int:
    # The server listens on no TCP address; the port only names the socket
    # file. Picking a currently free TCP port keeps the name distinct anyway.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(server log {path} could not be read: {exc})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(server log is empty)"


class PostgresCluster:
    """A running private cluster; made and torn down by :func:`postgres_cluster`.

    Attributes:
        root: the temporary directory holding everything below.
        data_dir: the cluster's data directory (``root / "data"``).
        socket_dir: the directory of the server's Unix socket (the "host").
        port: the port number naming the socket file.
        log_path: the server log.
        bin_dir: the PostgreSQL binaries used.
        user: the database superuser (``postgres``).
    """

    def __init__(self, root: Path, bin_dir: Path, port: int) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.socket_dir = root / "sock"
        self.log_path = root / "log"
        self.bin_dir = bin_dir
        self.port = port
        self.user = SUPERUSER
        self._as_root = os.geteuid() == 0
        self.running = False

    # -- connections -------------------------------------------------------

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for ``dbname`` on this cluster."""
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir),
            port=str(self.port),
            user=self.user,
            dbname=dbname,
        )

    def connect(
        self, dbname: str = "postgres", *, autocommit: bool = False
    ) -> psycopg.Connection[TupleRow]:
        """A new psycopg connection to ``dbname``; the caller closes it."""
        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL of ``dbname`` on this cluster (psycopg 3 driver)."""
        return (
            f"postgresql+psycopg://{self.user}@/{quote(dbname, safe='')}"
            f"?host={quote(str(self.socket_dir), safe='/')}&port={self.port}"
        )

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, ending any open sessions on it."""
        with self.connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )

    # -- life cycle --------------------------------------------------------

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", _OS_USER, "--", *cmd]
        return subprocess.run(  # noqa: S603 (PostgreSQL's own binaries)
            cmd,
            cwd=self.root,  # a cwd the postgres user can enter
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )

    def _prepare_root(self) -> None:
        self.socket_dir.mkdir()
        socket_file = self.socket_dir / f".s.PGSQL.{self.port}"
        if len(os.fsencode(socket_file)) > _MAX_SOCKET_PATH:
            raise PostgresStartError(
                f"socket path {socket_file} is too long for a Unix socket; "
                "use a shorter base_dir"
            )
        if not self._as_root:
            return
        try:
            pw = pwd.getpwnam(_OS_USER)
        except KeyError:
            raise PostgresStartError(
                "running as root, but there is no 'postgres' OS user to run "
                "PostgreSQL as (it refuses to run as root). "
                "Run `make system-deps` to install PostgreSQL."
            ) from None
        for path in (self.root, self.socket_dir):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        probe = subprocess.run(  # noqa: S603 (a fixed command)
            ["runuser", "-u", _OS_USER, "--", "test", "-w", str(self.root)],  # noqa: S607 (from PATH)
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
        if probe.returncode != 0:
            raise PostgresStartError(
                f"the postgres user cannot reach {self.root}; "
                "pick a base_dir whose parents it can traverse (e.g. under /tmp)"
            )

    def start(self) -> None:
        """initdb and start the server; raises PostgresStartError on failure."""
        self._prepare_root()
        init = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if init.returncode != 0:
            raise PostgresStartError(
                f"initdb failed (exit {init.returncode}) in {self.data_dir}:\n"
                f"{init.stdout}{init.stderr}".rstrip()
            )
        options = " ".join(
            (
                f"-k {shlex.quote(str(self.socket_dir))}",
                f"-p {self.port}",
                *_SERVER_OPTIONS,
            )
        )
        started = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            str(_START_TIMEOUT_S),
            "-l",
            str(self.log_path),
            "-o",
            options,
            "start",
        )
        if started.returncode != 0:
            self.running = True  # it may be half up: let stop() try
            raise PostgresStartError(
                f"PostgreSQL failed to start (pg_ctl exit {started.returncode}):\n"
                f"{started.stdout}{started.stderr}".rstrip()
                + f"\n--- tail of {self.log_path} ---\n{_tail(self.log_path)}"
            )
        self.running = True

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) if it is running."""
        if not self.running:
            return
        stopped = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"
        )
        if stopped.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            # never leave a server behind on a directory about to be deleted
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"
            )
        self.running = False

    def __repr__(self) -> str:
        return (
            f"PostgresCluster(socket_dir={str(self.socket_dir)!r}, "
            f"port={self.port}, running={self.running})"
        )


@contextlib.contextmanager
def postgres_cluster(base_dir: Path | None = None) -> Iterator[PostgresCluster]:
    """Start a private PostgreSQL cluster; stop it and delete it on exit.

    The cluster lives in a new temporary directory under ``base_dir`` (the
    system temp directory by default). When running as root, every parent of
    ``base_dir`` must be traversable by the ``postgres`` user.
    """
    bin_dir = find_postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=base_dir))
    cluster = PostgresCluster(root, bin_dir, _free_port())
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
