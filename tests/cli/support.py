"""Running the `signoff` CLI in-process against a test database, and reading back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from signoff.cli.main import build_app
from signoff.db.base import Base
from signoff.db.session import Database

# Keep the developer's own SIGNOFF_* settings out of the tests.
CLEAN_ENV: dict[str, str | None] = dict.fromkeys(
    (
        "SIGNOFF_DATA_DIR",
        "SIGNOFF_DATABASE_URL",
        "SIGNOFF_BASE_URL",
        "SIGNOFF_SECRET_KEY",
        "SIGNOFF_WEBHOOK_ALLOW",
        "SIGNOFF_TRUSTED_PROXIES",
    )
)


def signoff(
    db_url: str,
    data_dir: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """`signoff ARGS --database-url DB_URL --data-dir DATA_DIR`, captured; `env`
    sets `SIGNOFF_*` variables on top of a clean environment."""
    return CliRunner().invoke(
        build_app(),
        [*args, "--database-url", db_url, "--data-dir", str(data_dir)],
        env={**CLEAN_ENV, **(env or {})},
        input=stdin,
    )


def json_out(result: Result) -> dict[str, Any]:
    """The one JSON object a `--json` command printed on stdout."""
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    value = json.loads(lines[0])
    assert isinstance(value, dict)
    return value


def row_counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
