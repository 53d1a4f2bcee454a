"""The throw-away database a bench runs on, and its removal afterwards.

On SQLite the bench database is a file in a fresh temporary directory (inside the
data directory when one is set). On PostgreSQL
it is a database of its own, created on the server `--database-url` names and dropped
at the end, so a bench never reads or changes anyone's data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

from signoff.db.scratch import scratch_database
from signoff.domain.errors import BadInput

SQLITE, POSTGRESQL = "sqlite", "postgresql"
NAME_PREFIX = "signoff_bench_"


@dataclass(frozen=True)
class Target:
    """Where one bench runs: its database URL, backend, and a scratch directory."""

    url: str
    backend: str
    workdir: Path


def server_url(database_url: str) -> URL:
    """The PostgreSQL server named by `--database-url`; `BadInput` for anything else."""
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise BadInput(
            f"--database-url is not a database URL: {error}", field="database-url"
        ) from error
    if url.get_backend_name() != POSTGRESQL:
        raise BadInput(
            "--database-url must name a PostgreSQL server "
            "(postgresql+psycopg://...); without it the bench runs on SQLite.",
            field="database-url",
        )
    return url


@contextmanager
def temporary_target(
    database_url: str | None, parent: Path | None = None
) -> Iterator[Target]:
    """A fresh, empty database for one bench, removed however the bench ends.

    Its scratch directory is made inside `parent` (the data directory) when given,
    so a bench writes where the site's data lives rather than in the system's
    temporary directory, which may be small or a RAM disk.
    """
    server = server_url(database_url) if database_url is not None else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="signoff-bench-", dir=parent))
    try:
        if server is None:
            yield Target(f"sqlite:///{workdir / 'bench.db'}", SQLITE, workdir)
        else:
            with scratch_database(server, NAME_PREFIX) as url:
                yield Target(url, POSTGRESQL, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
