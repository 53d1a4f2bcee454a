"""Reading the audit trail: cursor listing, streaming export, chain verification, and
the chain heads a signed checkpoint records.

Listing and export walk the primary key in pages, so their cost and memory grow with
the page asked for, never with the history.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signoff.db.models import AuditChainHead, AuditEvent, Space
from signoff.domain.audit_chain import ChainBreak, ChainLink, verify_chain
from signoff.domain.checkpoints import ChainHead
from signoff.domain.errors import BadInput

EXPORT_BATCH = 1000
MAX_LIMIT = 200
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


def utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class AuditRecord(Protocol):
    """An audit event as the readers here need it: a mapped `AuditEvent`, or a row of
    the `audit_events` table (its columns bear the attributes' names)."""

    @property
    def id(self) -> int: ...
    @property
    def chain(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def space_id(self) -> int | None: ...
    @property
    def page_id(self) -> int | None: ...
    @property
    def page_version(self) -> int | None: ...
    @property
    def request_id(self) -> int | None: ...
    @property
    def change_set_id(self) -> int | None: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def actor_name(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def client_id(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...


AUDIT_ROW = tuple(AuditEvent.__table__.c)  # every column, as a Core select reads them


def _record_rows(session: Session, query: Select[Any]) -> list[AuditRecord]:
    # Rows, not mapped objects: readers that walk the whole trail read each event once,
    # and building an identity-mapped object per event was most of their cost.
    return cast("list[AuditRecord]", session.execute(query).all())


def hashed_fields(event: AuditRecord) -> dict[str, Any]:
    """The fields an event's hash covers (the writer in `actions.audit` uses it too)."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "at": utc_text(event.at),
        "spaceId": event.space_id,
        "pageId": event.page_id,
        "pageVersion": event.page_version,
        "requestId": event.request_id,
        "changeSetId": event.change_set_id,
        "actorId": event.actor_id,
        "actorName": event.actor_name,
        "action": event.action,
        "origin": event.origin,
        "clientId": event.client_id,
        "text": event.text,
        "details": event.details,
    }


def event_json(event: AuditRecord) -> dict[str, Any]:
    """An event in the contract's shape (ids of the engine, `at` in UTC with `Z`)."""
    fields = hashed_fields(event)
    del fields["chain"], fields["seq"]
    return {"id": event.id, **fields, "hash": event.hash}


@dataclass(frozen=True)
class AuditFilter:
    space_id: int | None = None
    page_id: int | None = None
    change_set_id: int | None = None


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.space_id is not None:
        query = query.where(AuditEvent.space_id == where.space_id)
    if where.page_id is not None:
        query = query.where(AuditEvent.page_id == where.page_id)
    if where.change_set_id is not None:
        query = query.where(AuditEvent.change_set_id == where.change_set_id)
    return query


def list_audit_events(
    session: Session, where: AuditFilter, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[AuditEvent], str | None]:
    """Newest first; `cursor` is the id of the last event on the previous page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    query = _filtered(select(AuditEvent), where).order_by(AuditEvent.id.desc())
    if cursor:
        if not cursor.isdigit():
            raise BadInput("cursor is not one this server gave out.", field="cursor")
        query = query.where(AuditEvent.id < int(cursor))
    events = list(session.scalars(query.limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    return events, (str(events[-1].id) if more and events else None)


def iter_audit_events(session: Session, where: AuditFilter) -> Iterator[AuditRecord]:
    """Every matching event, oldest first, in keyset batches of constant memory."""
    after = 0
    while True:
        query = _filtered(select(*AUDIT_ROW), where).where(AuditEvent.id > after)
        batch = _record_rows(session, query.order_by(AuditEvent.id).limit(EXPORT_BATCH))
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def neutralise_cell(value: str) -> str:
    """Stop spreadsheets from reading a cell as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


# JSON allows these raw in strings, but line readers (Python's `splitlines`, many
# log viewers) end a line at each; escaped, a record stays on its one line.
_UNICODE_LINE_BREAKS = str.maketrans(
    {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def export_jsonl(events: Iterator[AuditRecord]) -> Iterator[str]:
    for event in events:
        line = json.dumps(event_json(event), ensure_ascii=False, sort_keys=True)
        yield line.translate(_UNICODE_LINE_BREAKS) + "\n"


def export_csv(events: Iterator[AuditRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event_json(event)
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow(
            [
                neutralise_cell("" if row[c] is None else str(row[c]))
                for c in CSV_COLUMNS
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
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


def _links(session: Session, chain: str) -> Iterator[ChainLink]:
    after = 0
    while True:
        batch = _record_rows(
            session,
            select(*AUDIT_ROW)
            .where(AuditEvent.chain == chain, AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(EXPORT_BATCH),
        )
        if not batch:
            return
        for event in batch:
            yield ChainLink(
                event.id, event.seq, event.prev_hash, event.hash, hashed_fields(event)
            )
        after = batch[-1].seq


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
