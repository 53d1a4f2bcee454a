"""Audit hashing: canonical JSON and SHA-256, chained per space.

Each event's hash covers its fields and the previous event's hash, so editing,
deleting or inserting any event breaks every hash after it. Canonical JSON means
sorted keys, no insignificant whitespace, UTF-8, and no floats (times are strings).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

GENESIS = "0" * 64


# Built once: `json.dumps` with these options builds an encoder on every call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
)


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of one event: its fields plus the hash it follows."""
    payload = dict(fields)
    payload["prevHash"] = prev_hash
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored event as the verifier sees it."""

    event_id: int
    seq: int
    prev_hash: str
    hash: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    seq: int
    problem: str


def verify_chain(
    links: Iterable[ChainLink],
    *,
    head_seq: int | None = None,
    head_hash: str | None = None,
) -> ChainBreak | None:
    """The first place the chain is broken, or None when every link holds.

    `head_seq`/`head_hash` (the stored chain head) catch a deleted tail that the
    links alone cannot show.
    """
    expected_prev, expected_seq = GENESIS, 1
    for link in links:
        if link.seq != expected_seq:
            return ChainBreak(link.event_id, link.seq, f"expected seq {expected_seq}")
        if link.prev_hash != expected_prev:
            return ChainBreak(link.event_id, link.seq, "prevHash does not match")
        if event_hash(link.fields, link.prev_hash) != link.hash:
            return ChainBreak(
                link.event_id, link.seq, "hash does not match its content"
            )
        if head_seq is not None and link.seq > head_seq:
            return ChainBreak(link.event_id, link.seq, "event beyond the chain head")
        expected_prev, expected_seq = link.hash, expected_seq + 1
    if head_seq is not None and (head_seq, head_hash) != (
        expected_seq - 1,
        expected_prev,
    ):
        return ChainBreak(
            None, expected_seq, "chain head does not match the last event"
        )
    return None


def utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class ChainedFields(Protocol):
    """What an event's hash covers (`hashed_fields`): an event being appended has
    these before it has a hash or an id."""

    @property
    def chain(self) -> str: ...
    @property
    def seq(self) -> int: ...
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


class AuditRecord(ChainedFields, Protocol):
    """An audit event as the API's event and the chain's verifier read it: a mapped
    `AuditEvent`, or anything with its attributes."""

    @property
    def id(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def hashed_fields(event: ChainedFields) -> dict[str, Any]:
    """The fields an event's hash covers: the writer (`actions.audit`) and every
    reader that verifies the chain (`queries.audit`) take them from here."""
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
