"""Request ids on every response, and `SIGNOFF_LOG_FORMAT=json`: one JSON object per
line, a request line for each request, and never a token, cookie or query string."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from signoff.api.app import create_app
from signoff.api.request_log import JsonFormatter
from signoff.config import Settings

from .support import AppClient, Team

REQUEST_FIELDS = {
    "time",
    "level",
    "event",
    "method",
    "route",
    "path",
    "status",
    "durationMs",
    "requestId",
    "client",
}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    """The application logging in JSON (the team fixture builds on it)."""
    settings = Settings(data_dir=tmp_path, database_url=db_url, log_format="json")
    client = AppClient(create_app(settings))
    yield client
    client.close()


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What Signoff's loggers write, through the JSON formatter, as `serve` sets it."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonFormatter())
    signoff = logging.getLogger("signoff")
    level = signoff.level
    signoff.addHandler(handler)
    signoff.setLevel(logging.INFO)
    yield written
    signoff.removeHandler(handler)
    signoff.setLevel(level)


def lines(log: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


def test_a_sane_request_id_is_echoed(api: AppClient) -> None:
    response = api.get("/livez", headers={"X-Request-ID": "deploy-42.retry_1"})
    assert response.headers["x-request-id"] == "deploy-42.retry_1"


def test_a_request_without_an_id_gets_a_fresh_one(api: AppClient) -> None:
    first, second = api.get("/livez"), api.get("/no/such/page")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(rid) == 32 for rid in ids)
    assert ids[0] != ids[1]


@pytest.mark.parametrize(
    "hostile",
    ["a" * 65, "one\ntwo", 'say "hi"', "a b", "<script>", "", "dot/../dot"],
)
def test_a_hostile_request_id_is_replaced(
    api: AppClient, log: io.StringIO, hostile: str
) -> None:
    response = api.get("/livez", headers={"X-Request-ID": hostile})
    rid = response.headers["x-request-id"]
    assert rid != hostile
    assert len(rid) == 32
    assert rid.isalnum()
    assert [line["requestId"] for line in lines(log)] == [rid]


def test_text_format_still_echoes_the_id_and_logs_no_request_lines(
    db_url: str, tmp_path: Path, log: io.StringIO
) -> None:
    client = AppClient(create_app(Settings(data_dir=tmp_path, database_url=db_url)))
    try:
        response = client.get("/livez", headers={"X-Request-ID": "abc"})
    finally:
        client.close()
    assert response.headers["x-request-id"] == "abc"
    assert [line for line in lines(log) if line.get("event") == "request"] == []


def test_each_request_is_one_json_line_without_secrets(
    api: AppClient, team: Team, log: io.StringIO
) -> None:
    token = team.tokens["bob"]
    page = team.pages[0]
    response = api.get(
        f"/api/v1/pages/status?pageId={page}&note=query-secret",
        token=token,
        headers={"Cookie": "signoff_session=cookie-secret", "X-Request-ID": "r-1"},
    )
    assert response.status_code == 200, response.text

    written = log.getvalue()
    requests = [line for line in lines(log) if line.get("event") == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert set(line) == REQUEST_FIELDS
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/pages/status"
    assert line["path"] == "/api/v1/pages/status"
    assert line["status"] == 200
    assert line["requestId"] == "r-1"
    assert isinstance(line["durationMs"], float)
    assert line["time"].endswith("+00:00")
    for secret in (token, "cookie-secret", "query-secret", "Bearer"):
        assert secret not in written


def test_other_records_keep_their_logger_and_message(log: io.StringIO) -> None:
    logging.getLogger("signoff.somewhere").warning("disk %s full", "/data")
    assert lines(log) == [
        {
            "time": lines(log)[0]["time"],
            "level": "WARNING",
            "logger": "signoff.somewhere",
            "message": "disk /data full",
        }
    ]


# `serve` hands log_config(...) to uvicorn, which applies it with dictConfig.
SERVER_LOGS = """
import logging, logging.config
from signoff.api.request_log import log_config
logging.config.dictConfig(log_config("json"))
logging.getLogger("signoff.notify").info("delivered %d", 3)
logging.getLogger("uvicorn.error").info("Application startup complete.")
logging.getLogger("uvicorn.access").info("127.0.0.1 - GET / 200")
logging.getLogger("httpx").info("HTTP Request: GET https://x/?token=leak")
"""


def test_the_json_log_config_writes_json_and_no_access_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SERVER_LOGS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    written = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["message"]) for line in written] == [
        ("signoff.notify", "delivered 3"),
        ("uvicorn.error", "Application startup complete."),
    ]
    assert done.stdout == ""


@pytest.mark.parametrize("value", ["xml", "JSONL", " "])
def test_an_unknown_log_format_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(
        ValidationError, match="SIGNOFF_LOG_FORMAT must be text or json"
    ):
        Settings(log_format=value)


def test_the_log_format_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_LOG_FORMAT", "JSON")
    assert Settings().log_format == "json"
