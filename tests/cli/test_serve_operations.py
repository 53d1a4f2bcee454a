"""`signoff serve` as operators run it: JSON request logs with SIGNOFF_LOG_FORMAT,
and /metrics summed over every server process with SIGNOFF_METRICS_TOKEN."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from .test_server_process import running, stop

pytestmark = pytest.mark.slow

TOKEN = "metrics-scraper-secret"


def test_serve_with_json_logs_writes_one_json_object_per_request(
    tmp_path: Path,
) -> None:
    env = {"SIGNOFF_LOG_FORMAT": "json"}
    with running(tmp_path, "serve", env=env) as server:
        answer = httpx.get(f"{server.url}/livez?probe=secret", timeout=5.0)
        stop(server)
    assert answer.status_code == 200
    records = [
        json.loads(line)
        for line in server.stderr.read_text().splitlines()
        if line.startswith("{")
    ]
    requests = [r for r in records if r.get("event") == "request"]
    assert any(r["path"] == "/livez" and r["status"] == 200 for r in requests)
    assert answer.headers["X-Request-ID"] in {r["requestId"] for r in requests}
    assert "probe=secret" not in server.output()  # no query strings in the log
    assert '"GET /livez' not in server.output()  # uvicorn's own access line is off


def test_serve_with_two_processes_sums_their_metrics(tmp_path: Path) -> None:
    env = {"SIGNOFF_METRICS_TOKEN": TOKEN}
    with running(tmp_path, "serve", "--workers", "2", env=env) as server:
        for _ in range(40):  # enough that both processes answer some
            httpx.get(f"{server.url}/livez", timeout=5.0)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        deadline = time.monotonic() + 10
        while True:
            scrape = httpx.get(f"{server.url}/metrics", headers=headers, timeout=5.0)
            if scrape.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        refused = httpx.get(f"{server.url}/metrics", timeout=5.0)
        stop(server)
    assert refused.status_code == 401
    assert scrape.status_code == 200, scrape.text
    served = [
        float(line.rsplit(" ", 1)[1])
        for line in scrape.text.splitlines()
        if line.startswith("signoff_http_requests_total{") and 'route="/livez"' in line
    ]
    assert sum(served) >= 40  # every process's count, from the shared directory
    assert (tmp_path / "data" / "metrics").is_dir()
