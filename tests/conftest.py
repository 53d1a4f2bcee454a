"""Databases for tests: every database test runs on SQLite and on PostgreSQL.

The schema is built once per backend by the Alembic migrations into a template; each
test then gets a fresh copy (a copied SQLite file, or `CREATE DATABASE ... TEMPLATE`
on a private PostgreSQL cluster), so tests can commit freely and never share state.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reliability import figures
from signoff.connectors.confluence.gate import forget_gates
from signoff.db.migrate import upgrade
from signoff.db.pgcluster import PostgresCluster, postgres_cluster
from signoff.db.session import Database, make_engine

BACKENDS = ["sqlite", "postgresql"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controlling process only
        figures.reset()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.print_figures(terminalreporter.write_line)


PG_TEMPLATE = "signoff_template"


@pytest.fixture(autouse=True)
def _site_gates_start_afresh() -> Iterator[None]:
    """A Confluence site's rate-limit hold lives in the process, keyed by its id and
    address; a later test's stand-in may get a former one's port, so no hold
    outlives its test."""
    yield
    forget_gates()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "signoff.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints and removes the WAL
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    with postgres_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PostgresCluster) -> str:
    engine = make_engine(pg_cluster.create_database(PG_TEMPLATE))
    upgrade(engine)
    engine.dispose()
    return PG_TEMPLATE


def fresh_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> str:
    """A migrated, empty database of its own for one test."""
    if backend == "sqlite":
        target = tmp_path / "signoff.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with cluster.connect(autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # type: ignore[arg-type]
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty SQLite database of its own, for suites whose subject is an
    interface rather than the storage (the UI's server-side pages): what the engine
    does on each backend is tested on both by the integration and API suites, and
    running every page test twice would take `make test` past its time budget."""
    return fresh_database_url("sqlite", request, tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(backend, request, tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(make_engine(db_url))
    yield database
    database.dispose()
