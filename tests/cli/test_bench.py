"""`signoff bench` runs the real actions on a database of its own and removes it.

Figures are checked for shape and for the sums that tie them together, never for
speed: the machine running the tests decides that.
"""

from __future__ import annotations

import math
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pgcluster import PostgresCluster
from signoff.bench import writes
from signoff.bench.replay import StatementRecorder, replay, snapshot
from signoff.bench.runner import run_bench
from signoff.bench.tables import FIGURES, scaling_table
from signoff.bench.world import build_world
from signoff.cli.bench import bench_json
from signoff.cli.main import build_app
from signoff.db import migrate
from signoff.db.session import Database, make_engine

from .support import CLEAN_ENV, json_out

RATES = (
    "submitPerSecond",
    "approvePerSecond",
    "floorSubmitPerSecond",
    "floorApprovePerSecond",
    "auditExportMBPerSecond",
)
DURATIONS = (
    "queueP50Ms",
    "queueP95Ms",
    "bulkSubmitSeconds",
    "rollupMs",
    "analyticsMs",
)
PAGES = 10


def bench(*args: str) -> Result:
    return CliRunner().invoke(build_app(), ["bench", *args], env=CLEAN_ENV)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory the bench makes its database in, watched by the test."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


@pytest.fixture(scope="module")
def sqlite_figures() -> dict[str, Any]:
    """One bench on SQLite, shared by the checks on its figures."""
    with tempfile.TemporaryDirectory() as scratch:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "tempdir", scratch)
            result = bench("--pages", str(PAGES), "--json")
        leftovers = list(Path(scratch).iterdir())
    assert result.exit_code == 0, result.output
    figures = json_out(result)
    figures["_leftovers"] = leftovers
    return figures


def test_bench_reports_every_figure_of_the_contract(
    sqlite_figures: dict[str, Any],
) -> None:
    contract = {
        "pages",
        *RATES,
        *DURATIONS,
        "peakRssMB",
        "statementsPerSubmit",
        "statementsPerApprove",
        "submitFractionOfFloor",
        "approveFractionOfFloor",
    }

    assert contract <= sqlite_figures.keys()
    assert sqlite_figures["pages"] == PAGES
    assert sqlite_figures["backend"] == "sqlite"


def test_bench_rates_and_durations_are_positive_numbers(
    sqlite_figures: dict[str, Any],
) -> None:
    for key in (*RATES, *DURATIONS, "peakRssMB"):
        value = sqlite_figures[key]
        assert isinstance(value, float), key
        assert math.isfinite(value), key
        assert value > 0, key
    assert sqlite_figures["queueP50Ms"] <= sqlite_figures["queueP95Ms"]


def test_bench_fractions_are_the_rates_over_the_floor(
    sqlite_figures: dict[str, Any],
) -> None:
    for action in ("submit", "approve"):
        rate = sqlite_figures[f"{action}PerSecond"]
        floor = sqlite_figures[f"floor{action.title()}PerSecond"]
        fraction = sqlite_figures[f"{action}FractionOfFloor"]

        assert fraction == pytest.approx(rate / floor), action


def test_bench_counts_the_statements_each_action_sends(
    sqlite_figures: dict[str, Any],
) -> None:
    # An action reads and writes several rows: fewer than three statements would
    # mean the counter missed the action, not that the action got cheap.
    assert sqlite_figures["statementsPerSubmit"] >= 3
    assert sqlite_figures["statementsPerApprove"] >= 3


def test_bench_replays_the_recorded_writes_of_both_phases(
    sqlite_figures: dict[str, Any],
) -> None:
    # Every submit, and both approvals of every page, were recorded and replayed.
    assert sqlite_figures["replayTransactions"] == PAGES
    for key in ("replaySubmitPerSecond", "replayApprovePerSecond"):
        assert isinstance(sqlite_figures[key], float), key
        assert sqlite_figures[key] > 0, key
    # A submit writes at least the request, its steps, an audit event and a comment.
    assert sqlite_figures["pagesWrittenPerSubmit"] >= 4
    assert sqlite_figures["pagesWrittenPerApprove"] >= 3


def test_bench_prices_one_statement_in_each_layer(
    sqlite_figures: dict[str, Any],
) -> None:
    layers = ("statementMicrosDriver", "statementMicrosCore", "statementMicrosSession")
    for key in layers:
        assert isinstance(sqlite_figures[key], float), key
        assert sqlite_figures[key] > 0, key


def test_replay_reproduces_the_recorded_rows(tmp_path: Path) -> None:
    """The replay writes what the product wrote: the same rows, byte for byte."""
    database = tmp_path / "product.db"
    engine = make_engine(f"sqlite:///{database}")
    recorder = StatementRecorder()
    try:
        migrate.upgrade(engine)
        recorder.attach(engine)
        db = Database(engine)
        world = build_world(db, 3, lambda _done: None)
        before = snapshot(database, tmp_path / "before.db")
        recorder.start()
        for page_id in world.page_ids:
            writes.submit_page(db, world.author_id, page_id)
        recorded = recorder.stop()
    finally:
        engine.dispose()

    replayed = replay(before, recorded)

    assert replayed.transactions == len(recorded) == 3
    assert replayed.pages_written > 0
    for table in ("approval_requests", "request_steps", "audit_events", "comments"):
        assert _rows(before, table) == _rows(database, table), table
        assert _rows(before, table), table


def test_replay_refuses_a_transaction_it_cannot_reproduce(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"
    sqlite3.connect(database).close()

    with pytest.raises(ValueError, match="no BEGIN"):
        replay(database, [[("SELECT 1", (), False)]])


def _rows(database: Path, table: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_bench_submits_the_whole_change_set_and_exports_its_trail(
    sqlite_figures: dict[str, Any],
) -> None:
    assert sqlite_figures["bulkSubmitPages"] == PAGES
    # Each page's creation, submission and decisions are events of the space.
    assert sqlite_figures["auditExportEvents"] > 3 * PAGES
    assert sqlite_figures["auditExportMB"] > 0


def test_bench_removes_its_database_afterwards(sqlite_figures: dict[str, Any]) -> None:
    assert sqlite_figures["_leftovers"] == []


def test_bench_prints_a_table_for_people(scratch: Path) -> None:
    result = bench("--pages", "2")

    assert result.exit_code == 0, result.output
    assert "signoff bench: 2 pages on sqlite" in result.stdout
    for _key, label, _shape in FIGURES:
        assert label in result.stdout
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("pages", ["0", "-5"])
def test_bench_refuses_fewer_than_one_page(pages: str, scratch: Path) -> None:
    result = bench("--pages", pages, "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "error: --pages must be at least 1."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///elsewhere.db", "--database-url must name a PostgreSQL server"),
        ("no such url", "--database-url is not a database URL"),
    ],
)
def test_bench_refuses_a_database_url_that_is_not_postgresql(
    url: str, message: str, scratch: Path
) -> None:
    result = bench("--pages", "2", "--database-url", url, "--json")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}")
    assert list(scratch.iterdir()) == []


def test_bench_reports_a_postgresql_server_it_cannot_reach(
    tmp_path: Path, scratch: Path
) -> None:
    url = f"postgresql+psycopg://bench@/postgres?host={tmp_path / 'no-server'}"

    result = bench("--pages", "2", "--database-url", url, "--json")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: the database cannot be used:")
    assert list(scratch.iterdir()) == []


def test_bench_refuses_pages_together_with_scaling(scratch: Path) -> None:
    result = bench("--scaling", "--pages", "5")

    assert result.exit_code == 2
    assert "--scaling chooses the sizes itself" in result.stderr


def bench_databases(cluster: PostgresCluster) -> list[str]:
    with cluster.connect() as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'signoff_bench_%'"
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_bench_runs_on_postgresql_in_a_database_it_drops(
    pg_cluster: PostgresCluster, scratch: Path
) -> None:
    result = bench(
        "--pages", "3", "--database-url", pg_cluster.url("postgres"), "--json"
    )

    assert result.exit_code == 0, result.output
    figures = json_out(result)
    assert figures["backend"] == "postgresql"
    assert figures["pages"] == 3
    assert figures["submitPerSecond"] > 0
    assert figures["floorApprovePerSecond"] > 0
    assert figures["statementsPerApprove"] >= 3
    assert figures["replaySubmitPerSecond"] is None  # replayed on SQLite only
    assert figures["statementMicrosSession"] is None  # priced on SQLite only
    assert bench_databases(pg_cluster) == []
    assert list(scratch.iterdir()) == []


def test_scaling_table_puts_each_size_in_a_column_of_its_own(scratch: Path) -> None:
    results = [bench_json(run_bench(pages)) for pages in (1, 2)]

    table = scaling_table(results)

    assert [column.header for column in table.columns] == [
        "figure",
        "N = 1",
        "N = 2",
        "last / first",
    ]
    assert table.row_count == len(FIGURES)


def test_scaling_refuses_a_bad_database_url_before_running_any_size(
    scratch: Path,
) -> None:
    result = bench("--scaling", "--database-url", "sqlite:///elsewhere.db")

    assert result.exit_code == 2
    assert "--database-url must name a PostgreSQL server" in result.stderr
    assert list(scratch.iterdir()) == []


class WhereItRuns:
    """A reporter that looks, at each phase, at where the bench keeps its files."""

    def __init__(self, data_dir: Path, scratch: Path) -> None:
        self.data_dir, self.scratch = data_dir, scratch
        self.seen: list[tuple[list[str], list[str]]] = []

    def phase(self, name: str, total: int) -> None:
        inside = sorted(
            str(path.relative_to(self.data_dir)) for path in self.data_dir.glob("*/*")
        )
        self.seen.append((inside, sorted(p.name for p in self.scratch.iterdir())))

    def advance(self, done: int = 1) -> None:
        pass


def test_bench_keeps_its_database_inside_the_data_dir_while_it_runs(
    tmp_path: Path, scratch: Path
) -> None:
    data_dir = tmp_path / "data"
    spy = WhereItRuns(data_dir, scratch)
    run_bench(2, reporter=spy, data_dir=data_dir)

    assert spy.seen
    for inside, in_temp in spy.seen:
        assert len(inside) >= 1 and all(
            p.startswith("signoff-bench-") for p in inside
        ), inside
        assert any(p.endswith("/bench.db") for p in inside)
        assert in_temp == []
    assert list(data_dir.iterdir()) == []  # removed at the end, as before


@pytest.mark.parametrize("how", ["environment", "option"])
def test_bench_honours_the_data_dir_setting(
    tmp_path: Path, scratch: Path, how: str
) -> None:
    data_dir = tmp_path / "data"
    args = ["bench", "--pages", "2", "--json"]
    env = dict(CLEAN_ENV)
    if how == "environment":
        env["SIGNOFF_DATA_DIR"] = str(data_dir)
    else:
        args += ["--data-dir", str(data_dir)]
    result = CliRunner().invoke(build_app(), args, env=env)

    assert result.exit_code == 0, result.output
    assert json_out(result)["pages"] == 2
    assert data_dir.is_dir()  # the scratch directory was made in it
    assert list(data_dir.iterdir()) == []
    assert list(scratch.iterdir()) == []
