"""Several worker processes: each writes its figures under `PROMETHEUS_MULTIPROC_DIR`
and whichever worker answers a scrape reports the sum of all of them, with the
database's gauges once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from signoff.api.app import create_app
from signoff.api.metrics_dir import MULTIPROCESS_ENV, prepare_metrics_dir
from signoff.config import Settings

from .support import AppClient

TOKEN = "metrics-token-for-tests-0123456789"

# One worker process: the app with metrics on, two requests to /livez, then exit.
WORKER = """
import asyncio, sys
from pathlib import Path
import httpx
from signoff.api.app import create_app
from signoff.config import Settings

app = create_app(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2],
                          metrics_token=sys.argv[3]))

async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://w") as c:
        for _ in range(2):
            assert (await c.get("/livez")).status_code == 200

asyncio.run(main())
"""


def run_worker(data_dir: Path, db_url: str) -> None:
    subprocess.run(
        [sys.executable, "-c", WORKER, str(data_dir), db_url, TOKEN],
        check=True,
        env=os.environ.copy(),
        timeout=120,
    )


def livez_requests(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "signoff_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": "/livez",
                "status": "2xx",
            }:
                return sample.value
    return 0.0


def test_prepare_metrics_dir_empties_it_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROCESS_ENV, "")  # restored after the test
    left = tmp_path / "metrics"
    left.mkdir()
    (left / "counter_123.db").write_bytes(b"from a previous run")

    directory = prepare_metrics_dir(tmp_path)

    assert directory == left.resolve()
    assert os.environ[MULTIPROCESS_ENV] == str(directory)
    assert list(directory.iterdir()) == []


def test_a_scrape_sums_every_worker_process(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROCESS_ENV, "")
    prepare_metrics_dir(tmp_path)
    run_worker(tmp_path, db_url)
    run_worker(tmp_path, db_url)

    settings = Settings(data_dir=tmp_path, database_url=db_url, metrics_token=TOKEN)
    client = AppClient(create_app(settings))
    try:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        client.close()

    assert response.status_code == 200, response.text
    assert livez_requests(response.text) == 4
    assert response.text.count("# TYPE signoff_outbox_pending_messages gauge") == 1


def test_preparing_the_directory_loads_no_metrics_library() -> None:
    """`serve` calls it before uvicorn loads the application: prometheus-client
    must not be imported yet, or a single worker would keep its figures in memory
    where the scrape, reading the directory, never sees them."""
    probe = (
        "import sys; from signoff.api.metrics_dir import prepare_metrics_dir; "
        "from signoff.api.request_log import log_config; "
        "print('prometheus_client' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
