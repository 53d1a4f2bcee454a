"""`/audit` and `/audit/export`: the trail for space admins, listed and streamed."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import select

from corpora import XSS_VECTORS_FILE
from factories import by
from signoff.actions.pages import do_create_page
from signoff.actions.spaces import do_add_member
from signoff.actions.users import do_create_user
from signoff.api.v1.responses import AuditPage, plain
from signoff.api.v1.shapes.audit import audit_event_out
from signoff.db.models import AuditEvent, Space
from signoff.domain.states import Origin, Role
from signoff.queries.audit import CSV_COLUMNS, neutralise_cell

from .helpers import fix_clock, last_event, ok, only_a_denial, refused, review_by
from .support import AppClient, Team

VECTORS = XSS_VECTORS_FILE
FORMULA_START = ("=", "+", "-", "@")


def event_json(event: AuditEvent) -> dict[str, Any]:
    """An event as the API writes it (`GET /api/v1/audit`)."""
    return plain(audit_event_out(event))


def _space_events(team: Team) -> list[dict[str, Any]]:
    with team.db.read() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.space_id == team.space_id)
            .order_by(AuditEvent.id)
        )
        return [json.loads(json.dumps(event_json(e))) for e in events]


def _all_pages(api: AppClient, team: Team, **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 7, **({"cursor": cursor} if cursor else {})}
        body = ok(
            AuditPage,
            api.get("/api/v1/audit", token=team.tokens["alice"], params=query),
        )
        events += body["events"]
        cursor = body["nextCursor"]
        if cursor is None:
            return events


def _submit(api: AppClient, team: Team, page_index: int) -> None:
    response = api.post(
        "/api/v1/pages/submit",
        token=team.tokens["bob"],
        json={"pageId": team.pages[page_index]},
    )
    assert response.status_code == 200, response.text


def test_a_space_admin_reads_the_trail_newest_first(api: AppClient, team: Team) -> None:
    fix_clock(api)
    review_by(team, ["carol"])
    _submit(api, team, 0)
    body = ok(
        AuditPage,
        api.get(
            "/api/v1/audit",
            token=team.tokens["alice"],
            params={"spaceId": team.space_id, "limit": 1},
        ),
    )
    [newest] = _space_events(team)[-1:]
    assert body == {
        "success": True,
        "events": [newest],
        "nextCursor": str(newest["id"]),
    }
    assert newest["action"] == "approval.submitted"
    assert newest["at"] == "2026-02-02T10:30:00Z"
    assert newest["origin"] == "api"
    assert newest["clientId"].startswith("pat:")
    assert newest["text"].endswith("(via API)")


def test_the_trail_pages_through_every_event_once(api: AppClient, team: Team) -> None:
    review_by(team, ["carol"])
    for index in range(3):
        _submit(api, team, index)
    listed = _all_pages(api, team, spaceId=team.space_id)
    assert listed == _space_events(team)[::-1]


def test_the_trail_of_a_page_or_change_set(api: AppClient, team: Team) -> None:
    review_by(team, ["carol"])
    _submit(api, team, 1)
    created = api.post(
        "/api/v1/changeSets",
        token=team.tokens["bob"],
        json={"spaceId": team.space_id, "title": "Bundle", "pageRefs": []},
    ).json()["changeSet"]
    page_events = _all_pages(api, team, pageId=team.pages[1])
    assert [e["action"] for e in page_events] == ["approval.submitted", "page.created"]
    assert {e["pageId"] for e in page_events} == {team.pages[1]}
    set_events = _all_pages(api, team, changeSetId=created["id"])
    assert [e["action"] for e in set_events] == ["changeset.created"]
    both = _all_pages(api, team, spaceId=team.space_id, pageId=team.pages[1])
    assert both == page_events


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 400, "Give spaceId, pageId or changeSetId."),
        ({"spaceId": "1", "pageId": "999"}, 404, "Page 999 not found."),
        ({"spaceId": "999"}, 404, "Space 999 not found."),
        ({"changeSetId": "999"}, 404, "Change set 999 not found."),
        (
            {"spaceId": "abc"},
            400,
            "spaceId: Value error, must be an id: a string of digits.",
        ),
        (
            {"spaceId": "1", "cursor": "x"},
            400,
            "cursor is not one this server gave out.",
        ),
        (
            {"spaceId": "1", "limit": "500"},
            400,
            "limit: Input should be less than or equal to 200.",
        ),
    ],
)
def test_bad_trail_parameters_are_refused(
    api: AppClient, team: Team, params: dict[str, str], status: int, error: str
) -> None:
    params = {k: str(team.space_id) if v == "1" else v for k, v in params.items()}
    response = api.get("/api/v1/audit", token=team.tokens["alice"], params=params)
    refused(response, status, error)


def test_a_page_of_another_space_is_refused_naming_it(
    api: AppClient, team: Team
) -> None:
    created = api.post(
        "/api/v1/spaces", token=team.tokens["alice"], json={"key": "OPS", "name": "O"}
    ).json()["space"]
    response = api.get(
        "/api/v1/audit",
        token=team.tokens["alice"],
        params={"spaceId": created["id"], "pageId": team.pages[0]},
    )
    refused(response, 400, f"pageId {team.pages[0]} is not in space {created['id']}.")


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_editors_and_viewers_cannot_read_the_trail(
    api: AppClient, team: Team, who: str
) -> None:
    with only_a_denial(team):
        response = api.get(
            "/api/v1/audit",
            token=team.tokens[who],
            params={"pageId": team.pages[0]},
        )
    refused(
        response, 403, "You need the admin role in this space to read the audit trail."
    )


def _export(api: AppClient, team: Team, fmt: str, who: str = "alice") -> Any:
    return api.get(
        "/api/v1/audit/export",
        token=team.tokens[who],
        params={"spaceId": team.space_id, "format": fmt},
    )


def test_csv_export_is_an_attachment_and_writes_nothing(
    api: AppClient, team: Team
) -> None:
    """A GET changes no state: the export over the API is not itself recorded (the
    listing hands out the same events unrecorded; see docs/audit.md)."""
    before = _space_events(team)
    response = _export(api, team, "csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="signoff-audit-DOCS.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(CSV_COLUMNS)
    assert [int(row[0]) for row in rows[1:]] == [e["id"] for e in before]
    assert _space_events(team) == before
    with team.db.read() as s:
        assert s.scalars(select(AuditEvent.action)).all().count("audit.exported") == 0


def test_the_export_opens_no_write_transaction(api: AppClient, team: Team) -> None:
    """Not even an empty one: on SQLite a write transaction (`BEGIN IMMEDIATE`) takes
    the database's one write lock, so a GET would queue behind every writer."""
    fix_clock(api)  # the token's last use is noted once a minute: here, only first
    assert _export(api, team, "csv").status_code == 200
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]).upper())

    sql_event.listen(team.db.engine, "before_cursor_execute", seen)
    try:
        assert _export(api, team, "jsonl").status_code == 200
    finally:
        sql_event.remove(team.db.engine, "before_cursor_execute", seen)
    assert any(s.startswith("SELECT") for s in statements)
    writes = ("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")
    assert [s for s in statements if s.lstrip().startswith(writes)] == []


def test_jsonl_export_matches_the_listed_events(api: AppClient, team: Team) -> None:
    review_by(team, ["carol"])
    _submit(api, team, 0)
    response = _export(api, team, "jsonl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["content-disposition"].endswith('.jsonl"')
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == _all_pages(api, team, spaceId=team.space_id)[::-1]
    assert lines[-1]["action"] != "audit.exported"


def test_export_reads_in_batches(
    api: AppClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("signoff.queries.audit.EXPORT_BATCH", 3)
    review_by(team, ["carol"])
    _submit(api, team, 0)
    response = _export(api, team, "jsonl")
    ids = [json.loads(line)["id"] for line in response.text.splitlines()]
    assert ids == [event["id"] for event in _space_events(team)]
    assert len(ids) > 3 * 3


def _formula_cells() -> list[str]:
    lines = VECTORS.read_text(encoding="utf-8").splitlines()
    cells = [line for line in lines if line.startswith(FORMULA_START)]
    assert {cell[0] for cell in cells} == set(FORMULA_START)
    return cells


def _as_text(value: Any) -> str:
    """A field as the CSV writes it before neutralising."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def test_csv_export_neutralises_formula_cells(api: AppClient, team: Team) -> None:
    cells = _formula_cells()
    with team.db.write() as s:
        space = s.get(Space, team.space_id)
        assert space is not None
        for index, cell in enumerate(cells):
            author = do_create_user(
                s, f"formula{index}", None, display_name=cell, **by(None, Origin.cli)
            )
            do_add_member(s, space, author, Role.editor, **by(None, Origin.cli))
            do_create_page(s, space, title=cell, body="<p>x</p>", **by(author))
    review_by(team, ["carol"])
    for index, cell in enumerate(cells):
        _submit(api, team, index)
        rejected = api.post(
            "/api/v1/pages/reject",
            token=team.tokens["carol"],
            json={"pageId": team.pages[index], "version": 1, "comment": cell},
        )
        assert rejected.status_code == 200, rejected.text
    exported = _export(api, team, "csv").text
    rows = list(csv.DictReader(io.StringIO(exported)))
    events = [
        json.loads(line) for line in _export(api, team, "jsonl").text.splitlines()
    ]
    assert len(rows) == len(events)  # neither export wrote an event
    for row, event in zip(rows, events, strict=True):
        for column in CSV_COLUMNS:
            assert row[column] == neutralise_cell(_as_text(event[column]))
            assert not row[column].startswith(FORMULA_START)
    actors = {row["actorName"] for row in rows}
    assert {"'" + cell for cell in cells} <= actors
    comments = [json.loads(row["details"]).get("comment") for row in rows]
    assert set(cells) <= set(comments)


def test_export_refusals_come_before_any_byte(api: AppClient, team: Team) -> None:
    before = last_event(team)
    with only_a_denial(team):
        refused(
            _export(api, team, "csv", who="bob"),
            403,
            "You need the admin role in this space to export the audit trail.",
        )
    refused(
        _export(api, team, "xlsx"), 400, "format: Input should be 'csv' or 'jsonl'."
    )
    refused(
        api.get(
            "/api/v1/audit/export", token=team.tokens["alice"], params={"format": "csv"}
        ),
        400,
        "spaceId is required.",
    )
    refused(
        api.get(
            "/api/v1/audit/export",
            token=team.tokens["alice"],
            params={"spaceId": "999", "format": "csv"},
        ),
        404,
        "Space 999 not found.",
    )
    assert last_event(team) == before + 1  # only the denial
