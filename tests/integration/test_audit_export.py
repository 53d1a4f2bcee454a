"""The audit export's exact bytes, and its streaming in keyset batches.

The JSON Lines and CSV formats are fixed by the public contract: these tests pin them
for hostile values (unicode, quotes, line breaks, control characters, nulls, nested
details with unsorted keys) against a rendering written out by hand, and against the
reference rendering of each stored event (`json.dumps(event_json(event))`), so a
faster writer cannot drift by a byte.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from factories import AT, by
from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.users import do_create_user
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.audit import audit_event_out
from signoff.db.models import AuditEvent
from signoff.db.session import Database
from signoff.domain.states import Origin
from signoff.queries import audit
from signoff.queries.audit import (
    CSV_COLUMNS,
    AuditFilter,
    export_csv,
    export_jsonl,
    iter_audit_events,
    verify_audit_chains,
)

SPACE = 9001  # a chain of the tests' own: nothing else is recorded in it
OPERATOR = by(None, Origin.cli)
TEXT = 'Line one\nline "two"\t\\ end\x01 \u2028 sep \x85 next \u2029 para'
NESTED = {
    "zeta": 1,
    "alpha": {"b": [1, 2.5, None, True, False], "a": 'é\n"q"'},
    "Émile": None,
    "list": [{"y": 2, "x": 1}],
    "\u2028key": "v\u2029",
}
LONG = "word " * 150  # longer than the details the writer remembers by their text


@dataclass(frozen=True)
class Trail:
    ids: list[int]
    hashes: list[str]
    named_id: int
    formula_id: int


def event_json(event: AuditEvent) -> dict[str, Any]:
    """An event as the API writes it (`GET /api/v1/audit`)."""
    return plain(audit_event_out(event))


@pytest.fixture
def trail(db: Database) -> Trail:
    """Six events on one chain, made by the action that writes every event."""
    with db.write() as session:
        named = do_create_user(
            session, "zoe", None, display_name='Zoë "Z" 中文 😀', **OPERATOR
        )
        formula = do_create_user(
            session, "sum", None, display_name="=SUM(A1:A9)", **OPERATOR
        )
        common: dict[str, Any] = {"space_id": SPACE}
        record_event(
            session,
            "test.plain",
            "Plain.\x85",
            **by(None, Origin.cli, now=AT),
            **common,
        )
        record_event(
            session,
            "test.hostile",
            TEXT,
            by=Acting(
                named, Origin.api, "client-é", AT + timedelta(seconds=1, microseconds=2)
            ),
            space_id=SPACE,
            page_id=12,
            page_version=3,
            request_id=45,
            change_set_id=6,
            details=NESTED,
        )
        record_event(
            session,
            "test.long",
            "Long.\u2029",
            **by(None, Origin.ui, now=AT + timedelta(seconds=2)),
            details={"comment": LONG, "n": -1},
            **common,
        )
        record_event(
            session,
            "test.again",
            "Again.",
            **by(named, Origin.ui, now=AT + timedelta(seconds=3)),
            details=NESTED,
            **common,
        )
        record_event(
            session,
            "test.formula",
            "+1 more",
            by=Acting(formula, Origin.api, "@client", AT + timedelta(seconds=4)),
            details={"x": "=1"},
            space_id=SPACE,
        )
        record_event(
            session,
            "test.empty",
            "",
            **by(None, Origin.cli, now=AT + timedelta(seconds=5, microseconds=999_999)),
            details=None,
            **common,
        )
        named_id, formula_id = named.id, formula.id
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.hash)
            .where(AuditEvent.space_id == SPACE)
            .order_by(AuditEvent.id)
        ).all()
    return Trail([r.id for r in rows], [r.hash for r in rows], named_id, formula_id)


def _fill(template: str, trail: Trail) -> str:
    text = template.replace("<NAMED>", str(trail.named_id))
    text = text.replace("<FORMULA>", str(trail.formula_id))
    for index, (id_, hash_) in enumerate(zip(trail.ids, trail.hashes, strict=True)):
        text = text.replace(f"<ID{index}>", str(id_)).replace(f"<H{index}>", hash_)
    return text


# The contract's JSON Lines, written out by hand: keys sorted, ", " and ": " between
# items, non-ASCII as it is, control characters and U+0085/U+2028/U+2029 escaped.
NESTED_JSON = (
    r'{"alpha": {"a": "é\n\"q\"", "b": [1, 2.5, null, true, false]}, '
    r'"list": [{"x": 1, "y": 2}], "zeta": 1, "Émile": null, "\u2028key": "v\u2029"}'
)
LONG_JSON = '{"comment": "' + LONG + '", "n": -1}'
GOLDEN_JSONL = [
    r'{"action": "test.plain", "actorId": null, "actorName": "system", '
    r'"at": "2026-01-05T09:00:00Z", "changeSetId": null, "clientId": null, '
    r'"details": {}, "hash": "<H0>", "id": <ID0>, "origin": "cli", "pageId": null, '
    r'"pageVersion": null, "requestId": null, "spaceId": 9001, "text": "Plain.\u0085"}',
    r'{"action": "test.hostile", "actorId": <NAMED>, '
    r'"actorName": "Zoë \"Z\" 中文 😀", "at": "2026-01-05T09:00:01.000002Z", '
    r'"changeSetId": 6, "clientId": "client-é", "details": ' + NESTED_JSON + ", "
    r'"hash": "<H1>", "id": <ID1>, "origin": "api", "pageId": 12, '
    r'"pageVersion": 3, "requestId": 45, "spaceId": 9001, '
    r'"text": "Line one\nline \"two\"\t\\ end\u0001 \u2028 sep \u0085 next '
    r'\u2029 para (via API)"}',
    r'{"action": "test.long", "actorId": null, "actorName": "system", '
    r'"at": "2026-01-05T09:00:02Z", "changeSetId": null, "clientId": null, '
    r'"details": ' + LONG_JSON + r', "hash": "<H2>", "id": <ID2>, "origin": "ui", '
    r'"pageId": null, "pageVersion": null, "requestId": null, "spaceId": 9001, '
    r'"text": "Long.\u2029"}',
    r'{"action": "test.again", "actorId": <NAMED>, '
    r'"actorName": "Zoë \"Z\" 中文 😀", "at": "2026-01-05T09:00:03Z", '
    r'"changeSetId": null, "clientId": null, "details": ' + NESTED_JSON + ", "
    r'"hash": "<H3>", "id": <ID3>, "origin": "ui", "pageId": null, '
    r'"pageVersion": null, "requestId": null, "spaceId": 9001, "text": "Again."}',
    r'{"action": "test.formula", "actorId": <FORMULA>, "actorName": "=SUM(A1:A9)", '
    r'"at": "2026-01-05T09:00:04Z", "changeSetId": null, "clientId": "@client", '
    r'"details": {"x": "=1"}, "hash": "<H4>", "id": <ID4>, "origin": "api", '
    r'"pageId": null, "pageVersion": null, "requestId": null, "spaceId": 9001, '
    r'"text": "+1 more (via API)"}',
    r'{"action": "test.empty", "actorId": null, "actorName": "system", '
    r'"at": "2026-01-05T09:00:05.999999Z", "changeSetId": null, "clientId": null, '
    r'"details": {}, "hash": "<H5>", "id": <ID5>, "origin": "cli", "pageId": null, '
    r'"pageVersion": null, "requestId": null, "spaceId": 9001, "text": ""}',
]

# The same events as CSV, by hand: fields with a comma, quote or line end quoted,
# quotes doubled, rows ended by CRLF, details as their JSON, empty for null, and a
# cell starting with = + - @ (tab, CR) prefixed with '.
CSV_HEAD = (
    "id,at,spaceId,pageId,pageVersion,requestId,changeSetId,actorId,actorName,"
    "action,origin,clientId,text,details,hash\r\n"
)
CSV_NESTED = (
    '"{""alpha"": {""a"": ""é\\n\\""q\\"""", ""b"": [1, 2.5, null, true, false]}, '
    '""list"": [{""x"": 1, ""y"": 2}], ""zeta"": 1, ""Émile"": null, '
    '""\u2028key"": ""v\u2029""}"'
)
GOLDEN_CSV = (
    CSV_HEAD
    + "<ID0>,2026-01-05T09:00:00Z,9001,,,,,,system,test.plain,cli,,Plain.\x85,{},"
    + "<H0>\r\n"
    + "<ID1>,2026-01-05T09:00:01.000002Z,9001,12,3,45,6,<NAMED>,"
    + '"Zoë ""Z"" 中文 😀",test.hostile,api,client-é,'
    + '"Line one\nline ""two""\t\\ end\x01 \u2028 sep \x85 next \u2029 para (via API)",'
    + CSV_NESTED
    + ",<H1>\r\n"
    + "<ID2>,2026-01-05T09:00:02Z,9001,,,,,,system,test.long,ui,,Long.\u2029,"
    + '"{""comment"": ""'
    + LONG
    + '"", ""n"": -1}",<H2>\r\n'
    + "<ID3>,2026-01-05T09:00:03Z,9001,,,,,<NAMED>,"
    + '"Zoë ""Z"" 中文 😀",test.again,ui,,Again.,'
    + CSV_NESTED
    + ",<H3>\r\n"
    + "<ID4>,2026-01-05T09:00:04Z,9001,,,,,<FORMULA>,'=SUM(A1:A9),test.formula,api,"
    + '\'@client,\'+1 more (via API),"{""x"": ""=1""}",<H4>\r\n'
    + "<ID5>,2026-01-05T09:00:05.999999Z,9001,,,,,,system,test.empty,cli,,,{},<H5>\r\n"
)


def _reference_jsonl(stored: list[AuditEvent]) -> str:
    """The writer as it was: one `json.dumps` of `event_json` per event."""
    breaks = str.maketrans(
        {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
    )
    return "".join(
        json.dumps(event_json(e), ensure_ascii=False, sort_keys=True).translate(breaks)
        + "\n"
        for e in stored
    )


def _reference_csv(stored: list[AuditEvent]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in stored:
        row = event_json(e)
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        cells = ["" if row[c] is None else str(row[c]) for c in CSV_COLUMNS]
        writer.writerow(
            [
                "'" + c if c.startswith(("=", "+", "-", "@", "\t", "\r")) else c
                for c in cells
            ]
        )
    return buffer.getvalue()


def _exports(db: Database) -> tuple[str, str, list[AuditEvent]]:
    where = AuditFilter(space_id=SPACE)
    with db.read() as session:
        jsonl = "".join(export_jsonl(iter_audit_events(session, where)))
        table = "".join(export_csv(iter_audit_events(session, where)))
        stored = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.space_id == SPACE)
                .order_by(AuditEvent.id)
            )
        )
    return jsonl, table, stored


def test_jsonl_export_is_byte_for_byte_the_contract_format(
    db: Database, trail: Trail
) -> None:
    jsonl, _, stored = _exports(db)

    assert jsonl == _fill("\n".join(GOLDEN_JSONL) + "\n", trail)
    assert jsonl == _reference_jsonl(stored)
    lines = jsonl.split("\n")
    assert jsonl.splitlines() == lines[:-1]  # no record breaks a line reader's lines
    assert [json.loads(line) for line in lines[:-1]] == [event_json(e) for e in stored]


def test_csv_export_is_byte_for_byte_the_contract_format(
    db: Database, trail: Trail
) -> None:
    _, table, stored = _exports(db)

    assert table == _fill(GOLDEN_CSV, trail)
    assert table == _reference_csv(stored)
    rows = list(csv.reader(io.StringIO(table, newline="")))
    assert rows[2][12].startswith("Line one\nline")  # a quoted cell keeps its lines
    assert rows[5][8] == "'=SUM(A1:A9)"


def test_negative_numbers_and_odd_details_export_as_the_reference_does(
    db: Database, trail: Trail
) -> None:
    """Values no action writes today, but a database can hold: each cell still
    follows the one rule (a minus sign starts a formula; details are any JSON)."""
    with db.write() as session:
        for details in ({"n": -2.5, "t": "\t"}, {"": [[]], "1": {"z": {}, "a": 1e300}}):
            record_event(
                session,
                "test.odd",
                "-1",
                by=Acting(None, Origin.cli, "\ttab", AT + timedelta(seconds=9)),
                space_id=SPACE,
                page_id=-7,
                page_version=-1,
                request_id=0,
                details=details,
            )

    jsonl, table, stored = _exports(db)

    assert jsonl == _reference_jsonl(stored)
    assert table == _reference_csv(stored)
    last = list(csv.reader(io.StringIO(table, newline="")))[-1]
    assert last[3:6] == ["'-7", "'-1", "0"]
    assert (last[11], last[12]) == ("'\ttab", "'-1")


def test_every_exported_time_and_details_value_reads_back_as_stored(
    db: Database, trail: Trail
) -> None:
    jsonl, _, _ = _exports(db)
    records = [json.loads(line) for line in jsonl.splitlines()]

    assert [r["id"] for r in records] == trail.ids
    assert records[1]["details"] == NESTED
    assert records[1]["text"] == TEXT + " (via API)"
    assert records[2]["details"] == {"comment": LONG, "n": -1}
    assert [r["at"] for r in records] == [
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:00:01.000002Z",
        "2026-01-05T09:00:02Z",
        "2026-01-05T09:00:03Z",
        "2026-01-05T09:00:04Z",
        "2026-01-05T09:00:05.999999Z",
    ]


# --- streaming ---------------------------------------------------------------------

LARGE = 2_500


class TrailSelects:
    """The statements that read `audit_events`, as the driver receives them."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[str] = []
        self._engine = engine

    def __enter__(self) -> TrailSelects:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and (
            "FROM audit_events" in statement
        ):
            self.statements.append(statement)


@pytest.fixture
def large_trail(db: Database) -> list[int]:
    with db.write() as session:
        for index in range(LARGE):
            record_event(
                session,
                "test.bulk",
                f"Event {index}: «{index % 7}»",
                **by(None, Origin.cli, now=AT + timedelta(milliseconds=index)),
                details={"index": index, "step": f"step {index % 3}"},
                space_id=SPACE,
            )
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.space_id == SPACE)
                .order_by(AuditEvent.id)
            )
        )


def _first_then_rest(lines: Iterator[str], selects: TrailSelects) -> tuple[int, str]:
    first = next(lines)
    after_first = len(selects.statements)
    return after_first, first + "".join(lines)


def test_a_large_jsonl_export_streams_in_keyset_batches(
    db: Database, large_trail: list[int]
) -> None:
    where = AuditFilter(space_id=SPACE)
    with db.read() as session, TrailSelects(db.engine) as selects:
        after_first, jsonl = _first_then_rest(
            export_jsonl(iter_audit_events(session, where)), selects
        )

    # The first line leaves after one batch was read, long before the trail ends.
    assert after_first == 1
    batches = math.ceil(LARGE / audit.EXPORT_BATCH)
    assert len(selects.statements) == batches + 1  # the last, empty batch ends it
    assert all("LIMIT" in statement for statement in selects.statements)
    ids = [json.loads(line)["id"] for line in jsonl.splitlines()]
    assert ids == large_trail
    assert len(ids) == LARGE


def test_a_large_csv_export_streams_in_keyset_batches(
    db: Database, large_trail: list[int]
) -> None:
    where = AuditFilter(space_id=SPACE)
    with db.read() as session, TrailSelects(db.engine) as selects:
        pieces = export_csv(iter_audit_events(session, where))
        first = next(pieces)
        after_first = len(selects.statements)
        rest = list(pieces)

    assert after_first == 1
    rows = list(csv.reader(io.StringIO(first, newline="")))
    assert len(rows) == 1 + audit.EXPORT_BATCH  # the header and one batch of rows
    everything = list(csv.reader(io.StringIO(first + "".join(rest), newline="")))
    assert [int(row[0]) for row in everything[1:]] == large_trail
    # One piece per full batch, then what is left (here half a batch).
    assert len(rest) == LARGE // audit.EXPORT_BATCH


def test_a_small_batch_size_gives_the_same_bytes(
    db: Database, large_trail: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    jsonl, table, _ = _exports(db)
    monkeypatch.setattr("signoff.queries.audit.EXPORT_BATCH", 7)

    assert _exports(db)[:2] == (jsonl, table)


def test_verify_reads_the_large_trail_and_finds_it_whole(
    db: Database, large_trail: list[int]
) -> None:
    with db.read() as session:
        reports = verify_audit_chains(session)

    chain = next(r for r in reports if r.chain == f"space:{SPACE}")
    assert (chain.events, chain.broken) == (LARGE, None)
