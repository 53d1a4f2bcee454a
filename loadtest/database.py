"""Where the load test keeps its data: a fresh SQLite file, or a scratch database on a
PostgreSQL server (one given by URL, or a private throw-away cluster).

A scratch database has a name of its own, so a run never touches what else the server
holds; it is dropped when the run ends, whatever happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from signoff.db.pgcluster import postgres_cluster

SCRATCH_PREFIX = "signoff_loadtest_"


@contextmanager
def run_database(
    data_dir: Path, *, database_url: str | None, postgres: bool
) -> Iterator[str]:
    """The SQLAlchemy URL the run uses, for as long as the run lasts."""
    if postgres:
        with (
            postgres_cluster() as cluster,
            scratch_database(cluster.url("postgres")) as url,
        ):
            yield url
    elif database_url:
        with scratch_database(database_url) as url:
            yield url
    else:
        yield f"sqlite:///{data_dir / 'signoff.db'}"


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server `server_url` reaches (its own database
    serves only to connect); its URL, then it is dropped."""
    name = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(server_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
    finally:
        admin.dispose()


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"
