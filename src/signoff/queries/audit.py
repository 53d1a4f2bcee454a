"""Reading the audit trail: cursor listing, streaming export, chain verification, and
the chain heads a signed checkpoint records.

Listing and export walk the primary key in pages, so their cost and memory grow with
the page asked for, never with the history. Listing returns the stored events; the
API writes them (`api/v1/shapes/audit.py`). The export is a file format of its own,
streamed alike by the API, the UI and the CLI: it reads plain table rows (no mapped
objects) and writes each line from a fixed template, the bytes exactly those of
`json.dumps(event, ensure_ascii=False, sort_keys=True)` of the API's event. Both show
an event's page by the id clients know it by (`shown_page_ids`); the hash covers the
page's own id, as stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, cast

from sqlalchemy import DateTime, Select, Text, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from signoff.db.models import AuditChainHead, AuditEvent, Space
from signoff.domain.audit_chain import (
    ChainBreak,
    ChainLink,
    utc_text,
    verify_chain,
)
from signoff.domain.checkpoints import ChainHead
from signoff.domain.errors import BadInput
from signoff.queries.keyset import id_cursor
from signoff.queries.page_refs import public_page_ids

EXPORT_BATCH = 1000
MAX_LIMIT = 200
MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON reader holds exactly (an IEEE double's)."""
CSV_COLUMNS = (
    "id",
    "at",
    "spaceId",
    "pageId",
    "pageVersion",
    "requestId",
    "changeSetId",
    "actorId",
    "actorName",
    "action",
    "origin",
    "clientId",
    "text",
    "details",
    "hash",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Readers that walk the whole trail select table columns, never mapped objects:
# building an identity-mapped object per event was most of their cost.
AUDIT = AuditEvent.__table__


@dataclass(frozen=True)
class AuditFilter:
    space_id: int | None = None
    page_id: int | None = None
    change_set_id: int | None = None


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    # Table columns, not mapped attributes: a select of plain columns filtered by
    # these stays a Core statement, whose rows skip the ORM's loading machinery.
    if where.space_id is not None:
        query = query.where(AUDIT.c.space_id == where.space_id)
    if where.page_id is not None:
        query = query.where(AUDIT.c.page_id == where.page_id)
    if where.change_set_id is not None:
        query = query.where(AUDIT.c.change_set_id == where.change_set_id)
    return query


def list_audit_events(
    session: Session, where: AuditFilter, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[AuditEvent], str | None]:
    """Newest first; `cursor` is the id of the last event on the previous page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    query = _filtered(select(AuditEvent), where).order_by(AuditEvent.id.desc())
    if cursor:
        query = query.where(AuditEvent.id < id_cursor(cursor))
    events = list(session.scalars(query.limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    return events, (str(events[-1].id) if more and events else None)


ShownPageId = int | str
"""An event's page as the trail shows it: a number, or (`shown_page_ids`) digits."""


def shown_page_ids(
    session: Session, page_ids: Iterable[int | None]
) -> dict[int, ShownPageId]:
    """How the trail shows the pages of `page_ids` whose public id is not their own
    (pages from Confluence), by own id; pages missing here are shown by their own id.

    `pageId` is a number in the trail, so a Confluence page id is written as one
    where every JSON reader holds it exactly (up to `MAX_SAFE_INTEGER`); a larger one
    is written as its digits rather than as a number some readers would round.
    """
    wanted = {page_id for page_id in page_ids if page_id is not None}
    return {
        own: _page_number(public)
        for own, public in public_page_ids(session, wanted).items()
        if public != str(own)
    }


def _page_number(public: str) -> ShownPageId:
    if public.isascii() and public.isdigit() and int(public) <= MAX_SAFE_INTEGER:
        return int(public)
    return public


# What the export reads of each event, in the order of `CSV_COLUMNS`. `at` skips the
# UTC decorator (SQLite hands back a naive time, PostgreSQL an aware one: both are
# formatted by `_export_time`) and `details` comes as its stored JSON text, so that a
# value repeated across events is parsed and rendered once (`_details_renderer`).
EXPORT_COLUMNS = (
    AUDIT.c.id,
    type_coerce(AUDIT.c.at, DateTime(timezone=True)),
    AUDIT.c.space_id,
    AUDIT.c.page_id,
    AUDIT.c.page_version,
    AUDIT.c.request_id,
    AUDIT.c.change_set_id,
    AUDIT.c.actor_id,
    AUDIT.c.actor_name,
    AUDIT.c.action,
    AUDIT.c.origin,
    AUDIT.c.client_id,
    AUDIT.c.text,
    sql_cast(AUDIT.c.details, Text),
    AUDIT.c.hash,
)
ExportRow = tuple[
    int,  # id
    datetime,  # at
    int | None,  # space_id
    ShownPageId | None,  # page_id, as `shown_page_ids` shows it
    int | None,  # page_version
    int | None,  # request_id
    int | None,  # change_set_id
    int | None,  # actor_id
    str,  # actor_name
    str,  # action
    str,  # origin
    str | None,  # client_id
    str,  # text
    str | None,  # details, as stored (JSON text)
    str,  # hash
]
AuditWriter = Callable[[Iterable[ExportRow]], Iterator[str]]


def iter_audit_events(session: Session, where: AuditFilter) -> Iterator[ExportRow]:
    """Every matching event, oldest first, as export rows: keyset batches of
    `EXPORT_BATCH` (id > the last one read), so memory stays constant however long
    the trail is; each batch's pages shown as clients know them, in one statement."""
    after = 0
    while True:
        query = _filtered(select(*EXPORT_COLUMNS), where).where(AUDIT.c.id > after)
        batch = session.execute(query.order_by(AUDIT.c.id).limit(EXPORT_BATCH)).all()
        if not batch:
            return
        shown = shown_page_ids(session, {row[3] for row in batch})
        if not shown:
            yield from cast("list[ExportRow]", batch)
        else:
            for row in batch:
                page_id = row[3]
                yield cast(
                    "ExportRow",
                    (*row[:3], shown[page_id], *row[4:]) if page_id in shown else row,
                )
        after = batch[-1][0]


def neutralise_cell(value: str) -> str:
    """Stop spreadsheets from reading a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


# JSON allows these raw in strings, but line readers (Python's `splitlines`, many
# log viewers) end a line at each; escaped, a record stays on its one line.
_UNICODE_LINE_BREAKS = str.maketrans(
    {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)

# `json.dumps(value, ensure_ascii=False, sort_keys=True)`, with the encoder built once.
_DETAILS_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
# Rendered details are remembered by their stored text, within bounds: only short
# texts (decisions, steps, formats repeat; long comments rarely do), and the memo is
# emptied when full, so an export's memory stays constant.
_MEMO_TEXT_CHARS = 512
_MEMO_ENTRIES = 1024


def _details_renderer() -> Callable[[str | None], str]:
    """Stored details text to the export's JSON: parsed and encoded again (the stored
    text has neither sorted keys nor raw non-ASCII), so the output is the same as
    encoding the value the JSON column reads, for any stored text."""
    memo: dict[str | None, str] = {}

    def render(stored: str | None) -> str:
        rendered = memo.get(stored)
        if rendered is None:
            value = None if stored is None else json.loads(stored)
            rendered = _DETAILS_ENCODER.encode(value)
            if stored is None or len(stored) <= _MEMO_TEXT_CHARS:
                if len(memo) >= _MEMO_ENTRIES:
                    memo.clear()
                memo[stored] = rendered
        return rendered

    return render


def _export_time(at: datetime) -> str:
    """`utc_text` of the stored time: a naive time (SQLite keeps no zone) is UTC."""
    if at.tzinfo is None:
        return at.isoformat() + "Z"
    return at.astimezone(UTC).isoformat()[:-6] + "Z"  # drop "+00:00"


def export_jsonl(events: Iterable[ExportRow]) -> Iterator[str]:
    """One line per event (one item per line), keys sorted: the bytes of
    `json.dumps(event, ensure_ascii=False, sort_keys=True)` of the API's event (its
    hashed fields with its id and hash) with U+0085, U+2028 and U+2029 escaped,
    built from a template instead of a dict per event."""
    text_of = encode_basestring  # a JSON string literal, non-ASCII kept as it is
    details_of = _details_renderer()
    for (
        id_,
        at,
        space_id,
        page_id,
        page_version,
        request_id,
        change_set_id,
        actor_id,
        actor_name,
        action,
        origin,
        client_id,
        text,
        details,
        hash_,
    ) in events:
        # Keys in sorted order, as `sort_keys=True` writes them; None is null.
        line = (
            f'{{"action": {text_of(action)}, '
            f'"actorId": {"null" if actor_id is None else actor_id}, '
            f'"actorName": {text_of(actor_name)}, "at": "{_export_time(at)}", '
            f'"changeSetId": {"null" if change_set_id is None else change_set_id}, '
            f'"clientId": {"null" if client_id is None else text_of(client_id)}, '
            f'"details": {details_of(details)}, "hash": {text_of(hash_)}, '
            f'"id": {id_}, "origin": {text_of(origin)}, '
            f'"pageId": {_json_page_id(page_id)}, '
            f'"pageVersion": {"null" if page_version is None else page_version}, '
            f'"requestId": {"null" if request_id is None else request_id}, '
            f'"spaceId": {"null" if space_id is None else space_id}, '
            f'"text": {text_of(text)}}}\n'
        )
        if "\x85" in line or "\u2028" in line or "\u2029" in line:
            line = line.translate(_UNICODE_LINE_BREAKS)
        yield line


def _json_page_id(page_id: ShownPageId | None) -> str:
    if page_id is None:
        return "null"
    return encode_basestring(page_id) if isinstance(page_id, str) else str(page_id)


def _number_cell(value: int | str | None) -> int | str | None:
    """An id as the CSV writer takes it (None is an empty cell); only a negative one
    starts like a formula, with its minus sign."""
    if value is None or isinstance(value, str) or value >= 0:
        return value  # a page id shown as digits (`shown_page_ids`) starts with one
    return "'" + str(value)


def export_csv(events: Iterable[ExportRow]) -> Iterator[str]:
    """The header, then whole rows, `EXPORT_BATCH` rows per item; every cell as
    `str` of its JSON value (details as JSON, null as empty), and any cell that
    starts like a formula neutralised (the time never does: it starts with its year)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    details_of = _details_renderer()
    rows: list[list[int | str | None]] = []
    for (
        id_,
        at,
        space_id,
        page_id,
        page_version,
        request_id,
        change_set_id,
        actor_id,
        actor_name,
        action,
        origin,
        client_id,
        text,
        details,
        hash_,
    ) in events:
        rows.append(
            [
                _number_cell(id_),
                _export_time(at),
                _number_cell(space_id),
                _number_cell(page_id),
                _number_cell(page_version),
                _number_cell(request_id),
                _number_cell(change_set_id),
                _number_cell(actor_id),
                neutralise_cell(actor_name),
                neutralise_cell(action),
                neutralise_cell(origin),
                None if client_id is None else neutralise_cell(client_id),
                neutralise_cell(text),
                neutralise_cell(details_of(details)),
                neutralise_cell(hash_),
            ]
        )
        if len(rows) >= EXPORT_BATCH:
            writer.writerows(rows)
            rows.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(rows)
    yield buffer.getvalue()


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    broken: ChainBreak | None


def verify_audit_chains(
    session: Session, *, space_key: str | None = None
) -> list[ChainReport]:
    """Check every chain (or one space's) from its first event to its stored head."""
    heads = {head.chain: head for head in session.scalars(select(AuditChainHead))}
    chains = set(heads) | set(session.scalars(select(AuditEvent.chain).distinct()))
    if space_key is not None:
        space = session.scalar(select(Space).where(Space.key == space_key))
        if space is None:
            raise BadInput(f"No space with key {space_key!r}.", field="space")
        chains = {f"space:{space.id}"}
    reports = []
    for chain in sorted(chains):
        head = heads.get(chain)
        links = _links(session, chain)
        counter = _Counted(links)
        broken = verify_chain(
            counter,
            head_seq=head.seq if head else 0,
            head_hash=head.hash if head else None,
        )
        reports.append(ChainReport(chain, counter.count, broken))
    return reports


class _Counted:
    def __init__(self, links: Iterator[ChainLink]) -> None:
        self._links, self.count = links, 0

    def __iter__(self) -> Iterator[ChainLink]:
        for link in self._links:
            self.count += 1
            yield link


# The columns `hashed_fields` covers, under its keys and in its order, for readers of
# table rows; `signoff audit verify` agreeing with the writer proves the two the same.
_HASHED_COLUMNS = {
    "chain": AUDIT.c.chain,
    "seq": AUDIT.c.seq,
    "at": AUDIT.c.at,
    "spaceId": AUDIT.c.space_id,
    "pageId": AUDIT.c.page_id,
    "pageVersion": AUDIT.c.page_version,
    "requestId": AUDIT.c.request_id,
    "changeSetId": AUDIT.c.change_set_id,
    "actorId": AUDIT.c.actor_id,
    "actorName": AUDIT.c.actor_name,
    "action": AUDIT.c.action,
    "origin": AUDIT.c.origin,
    "clientId": AUDIT.c.client_id,
    "text": AUDIT.c.text,
    "details": AUDIT.c.details,
}
_HASHED_KEYS = tuple(_HASHED_COLUMNS)
_SEQ, _AT = _HASHED_KEYS.index("seq"), _HASHED_KEYS.index("at")
_LINK_COLUMNS = (AUDIT.c.id, AUDIT.c.prev_hash, AUDIT.c.hash, *_HASHED_COLUMNS.values())


def _links(session: Session, chain: str) -> Iterator[ChainLink]:
    # Plain rows unpacked by position: reading fifteen attributes of each row by
    # name cost more than hashing it.
    after = 0
    while True:
        batch = session.execute(
            select(*_LINK_COLUMNS)
            .where(AUDIT.c.chain == chain, AUDIT.c.seq > after)
            .order_by(AUDIT.c.seq)
            .limit(EXPORT_BATCH)
        ).all()
        if not batch:
            return
        for event_id, prev_hash, hash_, *values in batch:
            values[_AT] = utc_text(values[_AT])
            fields = dict(zip(_HASHED_KEYS, values, strict=True))
            yield ChainLink(event_id, values[_SEQ], prev_hash, hash_, fields)
        after = batch[-1][3 + _SEQ]


def chain_heads(session: Session, reports: Sequence[ChainReport]) -> list[ChainHead]:
    """The stored head of each verified chain (chains without events are left out),
    with its space's key and the time of its newest event."""
    keys = {
        f"space:{id_}": key for id_, key in session.execute(select(Space.id, Space.key))
    }
    heads = []
    for report in reports:
        head = session.get(AuditChainHead, report.chain)
        if head is None or head.seq == 0:
            continue
        at = session.scalar(
            select(AuditEvent.at).where(
                AuditEvent.chain == head.chain, AuditEvent.seq == head.seq
            )
        )
        assert at is not None, "a verified chain has an event at its head"
        heads.append(
            ChainHead(
                chain=head.chain,
                space=keys.get(head.chain),
                seq=head.seq,
                hash=head.hash,
                events=report.events,
                at=utc_text(at),
            )
        )
    return heads


def hashes_at(
    session: Session, positions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """The hash stored today at each (chain, seq); missing positions are left out."""
    found = {}
    for chain, seq in positions:
        digest = session.scalar(
            select(AuditEvent.hash).where(
                AuditEvent.chain == chain, AuditEvent.seq == seq
            )
        )
        if digest is not None:
            found[(chain, seq)] = digest
    return found
