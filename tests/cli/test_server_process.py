"""The real thing: `signoff serve` and `signoff demo` as processes on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SIGNOFF = Path(sys.executable).with_name("signoff")
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"signoff exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"signoff was not ready in {READY_TIMEOUT_S} s:\n{server.output()}")


def stop(server: Server) -> int:
    server.process.terminate()
    try:
        return server.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        pytest.fail(f"signoff did not stop on SIGTERM:\n{server.output()}")


@contextmanager
def running(
    tmp_path: Path, *command: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`signoff COMMAND` on a free port; `env` sets `SIGNOFF_*` on a clean slate."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    env = {**clean, **(env or {})}
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    args = [*command, "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(SIGNOFF), *args],
            stdout=out,
            stderr=err,
            env=env,
            cwd=tmp_path,
        )
    server = Server(f"http://127.0.0.1:{port}", process, stdout, stderr)
    try:
        wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def assert_stopped_cleanly(server: Server, returncode: int) -> None:
    # uvicorn re-raises the signal after a graceful shutdown
    assert returncode in (0, -signal.SIGTERM), server.output()
    assert "Application shutdown complete." in server.output()


def test_serve_answers_health_and_openapi_then_stops_cleanly(tmp_path: Path) -> None:
    with running(tmp_path, "serve") as server:
        health = httpx.get(f"{server.url}/healthz", timeout=5.0)
        openapi = httpx.get(f"{server.url}/openapi.json", timeout=5.0)
        returncode = stop(server)

    assert health.json()["status"] == "ok"
    assert openapi.status_code == 200
    assert openapi.json()["info"]["title"] == "Signoff"
    assert (tmp_path / "data" / "signoff.db").exists()
    assert_stopped_cleanly(server, returncode)


def test_demo_seeds_prints_logins_and_serves(tmp_path: Path) -> None:
    with running(tmp_path, "demo") as server:
        health = httpx.get(f"{server.url}/healthz", timeout=5.0)
        returncode = stop(server)

    assert health.status_code == 200
    printed = server.stdout.read_text()
    assert "alice-demo-pass" in printed
    assert "bob-demo-pass" in printed
    assert "carol-demo-pass" in printed
    assert_stopped_cleanly(server, returncode)
