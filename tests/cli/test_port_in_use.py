"""A port someone else holds is refused before serving, in one line with the fix.

`make run PORT=N` passes the port on to `signoff demo`; a taken port ends `serve` and
`demo` with exit code 1 and the way out, never after "Serving" nor with a traceback.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import signoff

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port with a listener on it for the test's whole length."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@pytest.mark.parametrize("command", [["serve"], ["demo"]])
def test_a_taken_port_is_refused_before_serving(
    command: list[str], taken_port: int, sqlite_url: str, tmp_path: Path
) -> None:
    result = signoff(sqlite_url, tmp_path, *command, "--port", str(taken_port))

    assert result.exit_code == 1, result.output
    assert (
        f"error: port {taken_port} is in use; choose another with make run PORT=..."
        in result.stderr
    )
    assert "Serving" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("given", "port"), [([], "8000"), (["PORT=8123"], "8123")])
def test_make_run_serves_on_the_port_it_is_given(given: list[str], port: str) -> None:
    planned = subprocess.run(
        ["make", "--dry-run", "run", *given],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert f"signoff demo --port {port}" in planned.stdout
