"""Where the load test keeps its data: a fresh SQLite file, or a scratch database on a
PostgreSQL server (one given by URL, or a private throw-away cluster).

A scratch database has a name of its own, so a run never touches what else the server
holds; it is dropped when the run ends, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from signoff.db.pgcluster import postgres_cluster
from signoff.db.scratch import scratch_database

SCRATCH_PREFIX = "signoff_loadtest_"


@contextmanager
def run_database(
    data_dir: Path, *, database_url: str | None, postgres: bool
) -> Iterator[str]:
    """The SQLAlchemy URL the run uses, for as long as the run lasts."""
    if postgres:
        with (
            postgres_cluster() as cluster,
            scratch_database(cluster.url("postgres"), SCRATCH_PREFIX) as url,
        ):
            yield url
    elif database_url:
        with scratch_database(database_url, SCRATCH_PREFIX) as url:
            yield url
    else:
        yield f"sqlite:///{data_dir / 'signoff.db'}"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"
