"""`signoff worker` checkpoints SQLite in a thread of its own while it loops; a
`--once` run, which ends at once, leaves checkpoints to SQLite as CLI commands do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signoff.actions.unit import utcnow
from signoff.db.session import Database, make_engine

from .support import add_messages, outbox_row

TESTS_DIR = Path(__file__).resolve().parents[1]
DEADLINE_S = 60.0  # a safety net against a hung process, not a measurement


def run_worker(sqlite_url: str, tmp_path: Path, *flags: str) -> dict[str, object]:
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["SIGNOFF_TEST_REPORT"] = str(report)
    command = [
        sys.executable,
        "-m",
        "signoff.cli.main",
        "worker",
        *flags,
        "--handlers",
        "worker.checkpoint_handlers:handlers",
        "--idle-sleep",
        "0.05",
        "--database-url",
        sqlite_url,
        "--data-dir",
        str(tmp_path / "data"),
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, timeout=DEADLINE_S, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answer: dict[str, object] = json.loads(report.read_text())
    return answer


@pytest.mark.parametrize(
    ("flags", "running", "autocheckpoint"),
    [((), True, 0), (("--once",), False, 1000)],
    ids=["loop", "once"],
)
def test_the_worker_checkpoints_in_the_background_only_while_it_loops(
    sqlite_url: str,
    tmp_path: Path,
    flags: tuple[str, ...],
    running: bool,
    autocheckpoint: int,
) -> None:
    db = Database(make_engine(sqlite_url))
    try:
        [message_id] = add_messages(db, at=utcnow())
        report = run_worker(sqlite_url, tmp_path, *flags)
        assert report == {"running": running, "autocheckpoint": autocheckpoint}
        assert outbox_row(db, message_id).status == "delivered"
    finally:
        db.dispose()
