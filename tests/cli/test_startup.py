"""The pipeline commands start without the server's database stack.

`signoff --help`, `signoff page ...`, `changeset ...` and `sync` talk to a server over
HTTP, so importing SQLAlchemy and Alembic would only make every CI step slower to
start. These checks look at what a fresh interpreter imported, never at a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.main import get_command

from signoff.cli.main import LAZY_COMMANDS, build_app

SERVER_SIDE = ("sqlalchemy", "alembic", "fastapi", "uvicorn")

PROBE = """
import json, sys
from signoff.cli.main import main
sys.argv = ["signoff", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def modules_after(*args: str) -> set[str]:
    """Top-level packages a fresh `signoff ARGS` had imported when it ended."""
    ran = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(ran.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["changeset", "--help"],
        ["changeset", "status", "--help"],
        ["page", "status", "--help"],
        ["sync", "--help"],
        ["changeset", "status", "1", "--url", "http://127.0.0.1:1", "--token", "t"],
    ],
    ids=" ".join,
)
def test_pipeline_commands_do_not_import_the_database_stack(args: list[str]) -> None:
    assert modules_after(*args).isdisjoint(SERVER_SIDE)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["page", "submit", "--help"], ["sync", "--help"]],
    ids=" ".join,
)
def test_help_loads_no_http_client(args: list[str]) -> None:
    """httpx loads with the first connection: printing help opens none."""
    assert "httpx" not in modules_after(*args)


def test_a_command_that_calls_the_server_loads_the_http_client() -> None:
    assert "httpx" in modules_after(
        "changeset", "status", "1", "--url", "http://127.0.0.1:1", "--token", "t"
    )


def test_a_server_side_command_still_loads_it_when_run() -> None:
    assert {"sqlalchemy", "alembic"} <= modules_after("db", "check", "--help") | (
        modules_after("db", "upgrade", "--data-dir", "/nonexistent/x", "--json")
    )


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_the_help_listing_says_what_each_lazy_command_says_itself(name: str) -> None:
    root = get_command(build_app())
    listed = root.get_command(None, name)  # type: ignore[attr-defined]
    loaded = LAZY_COMMANDS[name].load(name)

    assert listed.get_short_help_str(limit=300) == loaded.get_short_help_str(limit=300)
