"""The sweeper and the Confluence poller run in every server process and every
`signoff worker`; on PostgreSQL one process at a time does each job, the others skip
that run. Another process is stood in for by a second connection holding the lock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import fresh_database_url
from signoff.actions.unit import utcnow
from signoff.config import Settings
from signoff.db.session import Database, make_engine
from signoff.notify.poller import ConfluencePoller
from signoff.notify.single_run import Job, single_run
from signoff.notify.sweeper import Sweeper


@pytest.fixture
def pg_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database(
        make_engine(fresh_database_url("postgresql", request, tmp_path))
    )
    yield database
    database.dispose()


def test_only_one_holder_runs_a_job_on_postgresql(pg_db: Database) -> None:
    with single_run(pg_db, Job.sweeper) as first:
        with single_run(pg_db, Job.sweeper) as second:
            assert (first, second) == (True, False)
        with single_run(pg_db, Job.confluence_poller) as other_job:
            assert other_job
    with single_run(pg_db, Job.sweeper) as after_release:
        assert after_release


def test_every_run_goes_ahead_on_sqlite(sqlite_url: str) -> None:
    database = Database(make_engine(sqlite_url))
    try:
        with (
            single_run(database, Job.sweeper) as first,
            single_run(database, Job.sweeper) as second,
        ):
            assert (first, second) == (True, True)
    finally:
        database.dispose()


def test_a_sweep_is_skipped_while_another_process_sweeps(pg_db: Database) -> None:
    sweeper = Sweeper(pg_db, utcnow, every=timedelta(0))
    with single_run(pg_db, Job.sweeper):
        sweeper.maybe_sweep()
        assert (sweeper.sweeps, sweeper.skipped) == (0, 1)
    sweeper.maybe_sweep()
    assert (sweeper.sweeps, sweeper.skipped) == (1, 1)


def test_a_confluence_pass_is_skipped_while_another_process_polls(
    pg_db: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32)
    poller = ConfluencePoller(pg_db, settings, "k" * 32, utcnow, every=60.0)
    with single_run(pg_db, Job.confluence_poller):
        assert poller.run_turn() is None
        assert (poller.passes, poller.skipped) == (0, 1)
    assert poller.run_turn() is not None
    assert (poller.passes, poller.skipped) == (1, 1)


def test_a_sweep_is_skipped_quietly_when_the_database_cannot_be_reached() -> None:
    # The lock's own connection fails: the run is skipped and logged, and nothing is
    # raised into the outbox loop that calls the sweeper.
    broken = Database(
        make_engine("postgresql+psycopg://nobody@/none?host=/nonexistent")
    )
    sweeper = Sweeper(broken, utcnow, every=timedelta(0))
    sweeper.maybe_sweep()
    assert (sweeper.sweeps, sweeper.skipped) == (0, 1)
