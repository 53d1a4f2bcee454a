"""T12: hostile text never forges a line in the server's log or a record in an export.

Page titles, change-set titles and summaries, decision comments, a space name and a
sign-in username carry CR/LF, ANSI escapes, `"}` (to close a JSON record early),
U+2028/U+2029 and NEL. They go in through uvicorn on loopback, with the `signoff`
and `uvicorn` loggers captured (the access log on); then the audit trail is exported
as CSV and JSONL, through the API and by the export functions over every event.
Each log record is one line; each export parses into exactly one record per event
(also for readers that split lines on Unicode separators); and what was stored comes
back from every encoding unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from factories import (
    PASSWORD,
    by,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from live_server import live_server
from oauth.support import Clock
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.audit import audit_event_out
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import AuditEvent
from signoff.db.session import Database
from signoff.domain.states import Origin, Role
from signoff.queries.audit import (
    CSV_COLUMNS,
    AuditFilter,
    export_csv,
    export_jsonl,
    iter_audit_events,
)

HOSTILE = (
    "line\r\nsignoff|INFO|forged record",
    "colour \x1b[31mred\x1b[0m \x1b[2J\x1b]0;title\x07 \x9b32mgreen end",
    'closes early "}\n{"action": "forged", "x": "',
    "separators \u2028 line \u2029 paragraph",
    "next line \x85 here\rcarriage",
)
LOGGERS = ("signoff", "uvicorn.access", "uvicorn.error")
RECORD_START = re.compile(r"(signoff|uvicorn)[\w.]*\|[A-Z]+\|")
# What a line-splitting reader may take for the end of a line (str.splitlines).
LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(name)s|%(levelname)s|%(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class World:
    db: Database
    base_url: str
    space_id: int
    tokens: dict[str, str]
    log: Captured
    page_ids: list[int] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("logs")
    shutil.copyfile(sqlite_template, root / "signoff.db")
    app = create_app(
        Settings(data_dir=root / "data", database_url=f"sqlite:///{root}/signoff.db")
    )
    app.state.clock = Clock()
    db: Database = app.state.db
    with db.write() as session:
        admin = make_user(session, "admin", site_admin=True, password=PASSWORD)
        editor, approver = make_user(session, "editor"), make_user(session, "approver")
        space = make_space(
            session, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        make_page(session, space, editor)
        make_workflow(session, space, admin, [step(approver)], space_default=True)
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        tokens = {
            user.username: do_create_token(
                session, user, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
            )[1]
            for user in (admin, editor, approver)
        }
        space_id = space.id
    captured = Captured()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    with live_server(app) as base_url:
        for name in LOGGERS:  # after the server set its own levels
            logging.getLogger(name).addHandler(captured)
            logging.getLogger(name).setLevel(logging.INFO)
        built = World(db, base_url, space_id, tokens, captured)
        try:
            send_hostile_text(built)
        finally:
            for name, level in levels.items():
                logging.getLogger(name).removeHandler(captured)
                logging.getLogger(name).setLevel(level)
        yield built


def api(world: World, who: str) -> httpx.Client:
    return httpx.Client(
        base_url=world.base_url,
        headers={"Authorization": f"Bearer {world.tokens[who]}"},
        timeout=60,
    )


def send_hostile_text(world: World) -> None:
    with api(world, "editor") as editor, api(world, "approver") as approver:
        for text in HOSTILE:
            created = editor.post(
                "/wiki/api/v2/pages",
                json={
                    "spaceId": str(world.space_id),
                    "title": text,
                    "body": {"representation": "storage", "value": "<p>x</p>"},
                },
            )
            assert created.status_code == 200, created.text
            page_id = int(created.json()["id"])
            world.page_ids.append(page_id)
            assert editor.post("/api/v1/pages/submit", json={"pageId": page_id}).json()[
                "success"
            ]
            rejected = approver.post(
                "/api/v1/pages/reject",
                json={"pageId": page_id, "version": 1, "comment": text},
            )
            assert rejected.status_code == 200, rejected.text
            change_set = editor.post(
                "/api/v1/changeSets",
                json={
                    "spaceId": world.space_id,
                    "title": text,
                    "summary": text,
                    "pageRefs": [{"pageId": page_id}],
                },
            )
            assert change_set.status_code == 200, change_set.text
            # Hostile text in a query and a path, and in a refused sign-in's username.
            editor.get("/api/v1/changeSets/detail", params={"changeSetId": text})
            editor.get("/spaces/" + quote(text))
            sign_in_as(world, text)
    with api(world, "admin") as admin:
        space = admin.post("/api/v1/spaces", json={"key": "EVIL", "name": HOSTILE[0]})
        assert space.status_code == 200, space.text
    raw_request(world, b"GET /healthz?a=\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n")


def sign_in_as(world: World, username: str) -> None:
    with httpx.Client(base_url=world.base_url, timeout=60) as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        refused = browser.post(
            "/login",
            data={"csrf_token": token.group(1), "username": username, "password": "x"},
        )
        assert refused.status_code == 200 and "Incorrect username" in refused.text


def raw_request(world: World, request: bytes) -> None:
    host, port = world.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(request)
        assert connection.recv(100).startswith(b"HTTP/1.1 4")


def test_every_log_record_is_one_line_of_its_own(world: World) -> None:
    lines = world.log.lines
    assert any("uvicorn.access" in line for line in lines)  # the capture works
    assert len(lines) >= 5 * len(HOSTILE)
    forged = [
        line
        for line in lines
        if not RECORD_START.match(line)
        or LINE_BREAKS.search(line)
        or CONTROL.search(line)
    ]
    assert forged == []
    captured = "\n".join(lines)
    assert captured.splitlines() == lines


def stored_events(world: World) -> list[dict[str, Any]]:
    with world.db.read() as session:
        return [event_json(e) for e in session.query(AuditEvent).order_by("id")]


def event_json(event: AuditEvent) -> dict[str, Any]:
    """An event as the API writes it (`GET /api/v1/audit`)."""
    return plain(audit_event_out(event))


def jsonl_records(text: str) -> list[dict[str, Any]]:
    lines = text.split("\n")
    assert lines[-1] == ""
    # A reader that splits on every Unicode line break sees the same records.
    assert text.splitlines() == lines[:-1]
    return [json.loads(line) for line in lines[:-1]]


def csv_records(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]


def as_cells(event: dict[str, Any]) -> dict[str, str]:
    """An event as the CSV writes it: details as JSON, formulas neutralised."""
    cells = {}
    for column in CSV_COLUMNS:
        value = event[column]
        if column == "details":
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        text = "" if value is None else str(value)
        cells[column] = "'" + text if text.startswith(("=", "+", "-", "@")) else text
    return cells


def test_the_exports_hold_one_record_per_event_and_every_value_round_trips(
    world: World,
) -> None:
    events = stored_events(world)
    with world.db.read() as session:
        jsonl = "".join(export_jsonl(iter_audit_events(session, AuditFilter())))
        table = "".join(export_csv(iter_audit_events(session, AuditFilter())))
    assert jsonl_records(jsonl) == events
    assert csv_records(table) == [as_cells(event) for event in events]
    comments = [
        e["details"]["comment"] for e in events if e["action"] == "approval.decided"
    ]
    # Comments keep their lines; only control characters (the ANSI escapes) go.
    assert comments == [CONTROL.sub("", text) for text in HOSTILE]
    usernames = [
        e["details"]["username"] for e in events if e["action"] == "auth.sign_in_failed"
    ]
    assert usernames == list(HOSTILE)  # kept as typed, for the investigator


def test_the_api_exports_of_the_space_agree(world: World) -> None:
    # Read first: later events (none from the exports, which write nothing) are cut.
    events = [e for e in stored_events(world) if e["spaceId"] == world.space_id]
    last = events[-1]["id"]
    with api(world, "admin") as admin:
        jsonl = admin.get(
            "/api/v1/audit/export",
            params={"spaceId": world.space_id, "format": "jsonl"},
        )
        table = admin.get(
            "/api/v1/audit/export", params={"spaceId": world.space_id, "format": "csv"}
        )
    assert jsonl.status_code == table.status_code == 200
    exported = [e for e in jsonl_records(jsonl.text) if e["id"] <= last]
    assert exported == events
    rows = [r for r in csv_records(table.text) if int(r["id"]) <= last]
    assert rows == [as_cells(event) for event in events]
    titles = {e["text"] for e in events if e["action"] == "page.created"}
    assert len(titles) == len(HOSTILE) + 1
    assert not any(LINE_BREAKS.search(title) for title in titles)
