"""`make loadtest` at a tiny size: the harness runs end to end and checks the store.

No timing is asserted: the figures are printed for people to read. What is asserted
is that the run happened (requests on every endpoint, none failed) and that its own
consistency check can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.__main__ import _check_store
from loadtest.report import failure_lines, percentile
from loadtest.world import build_world
from signoff.db import migrate
from signoff.db.pgcluster import PostgresCluster
from signoff.db.session import Database, make_engine

REPO = Path(__file__).resolve().parents[2]


def run_loadtest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadtest", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_short_run_drives_every_endpoint_and_stores_what_it_acknowledged() -> None:
    # Long enough that each endpoint is drawn even when a loaded machine serves only
    # a few dozen requests (a 3 s run once drew no approval at all).
    finished = run_loadtest("--users", "2", "--seconds", "6", "--pages", "20", "--json")

    assert finished.returncode == 0, finished.stdout + finished.stderr
    figures = json.loads(finished.stdout)
    assert figures["problems"] == []
    for name in ("queue", "page status", "approve", "all"):
        row = figures["mixed"][name]
        assert row["requests"] > 0, name
        assert row["failures"] == 0, name
        assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"], name
    assert figures["trivial"]["requests"] > 0
    assert figures["trivial"]["failures"] == 0
    assert figures["throughputOfCeiling"] > 0
    assert "seeding 20 pending pages, 2 approvers" in finished.stderr


def test_a_short_run_on_postgresql_with_two_server_processes_checks_the_store(
    pg_cluster: PostgresCluster,
) -> None:
    # The run makes a scratch database on the server the URL reaches and drops it.
    before = database_names(pg_cluster)
    finished = run_loadtest(
        *("--users", "2", "--seconds", "6", "--pages", "20", "--json"),
        *("--workers", "2", "--database-url", pg_cluster.url("postgres")),
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    figures = json.loads(finished.stdout)
    assert figures["problems"] == []
    assert (figures["database"], figures["workers"]) == ("postgresql", 2)
    assert figures["mixed"]["approve"]["requests"] > 0
    assert figures["mixed"]["all"]["failures"] == 0
    assert "database: postgresql; 2 server process(es)" in finished.stderr
    assert database_names(pg_cluster) == before


def database_names(cluster: PostgresCluster) -> set[str]:
    with cluster.connect() as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        (("--workers", "0"), "--workers must be at least 1"),
        (("--database-url", "sqlite:///x.db"), "--database-url must be a postgresql"),
        (("--database-url", "not a url"), "--database-url must be a postgresql"),
        (
            ("--postgres", "--database-url", "postgresql+psycopg://x@/y"),
            "not allowed with argument",
        ),
    ],
)
def test_where_the_data_goes_is_checked_before_anything_starts(
    args: tuple[str, ...], refusal: str
) -> None:
    finished = run_loadtest(*args)

    assert finished.returncode == 2
    assert refusal in finished.stderr


def test_bad_sizes_are_refused_with_the_option_named() -> None:
    finished = run_loadtest("--users", "0")

    assert finished.returncode == 2
    assert "--users must be at least 1" in finished.stderr


def test_the_store_check_reports_an_acknowledged_approval_that_is_missing(
    tmp_path: Path,
) -> None:
    # Nothing was approved, yet the log says one approval was sent and acknowledged:
    # the check must say it is lost. Stored-but-never-sent is the other direction.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'signoff.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    world = build_world(
        Database(engine), base_url="http://127.0.0.1:1", approvers=1, pages=1
    )
    engine.dispose()
    log = tmp_path / "approvals.log"
    pair = f"{world.approver_ids[0]} {world.page_ids[0]}"
    log.write_text(f"sent {pair}\nok {pair}\n", encoding="utf-8")

    assert _check_store(url, data_dir, log) == [
        "1 acknowledged approvals are not stored"
    ]
    log.write_text(f"sent {pair}\n", encoding="utf-8")
    assert _check_store(url, data_dir, log) == []


def test_percentiles_come_from_the_histogram() -> None:
    times = {10.0: 50, 20.0: 45, 300.0: 4, 1000.0: 1}

    assert percentile(times, 0.50) == 10.0
    assert percentile(times, 0.95) == 20.0
    assert percentile(times, 0.99) == 300.0
    assert percentile(times, 1.0) == 1000.0
    assert percentile({}, 0.5) == 0.0


def test_failures_are_counted_by_what_failed() -> None:
    lines = [
        "sent 3 14",
        "failed POST approve: 409 already decided",
        "failed GET queue: 500 boom",
        "failed POST approve: 409 already decided",
    ]

    assert failure_lines(lines) == [
        "2 x POST approve: 409 already decided",
        "1 x GET queue: 500 boom",
    ]
