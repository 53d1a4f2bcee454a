"""Appending audit events to their hash chain, inside the caller's transaction.

Each space has its own chain; events without a space (users, site settings) go on the
site chain. The chain head row is locked before appending, which serialises appends
per chain on PostgreSQL; SQLite's single writer already does.

An action that records several events reads its chain head once and writes it once
(`actions.audit_heads`). Events are appended with a Core insert built
once, and an action's events are written together as it ends (`actions.appends`):
nothing reads an event back in the transaction that writes it, so no mapped object,
identity-map entry or returned id is needed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.appends import append
from signoff.actions.audit_heads import locked_head
from signoff.db.committed_facts import note_audit_event
from signoff.db.models import AuditEvent, User
from signoff.domain.audit_chain import event_hash, hashed_fields
from signoff.domain.states import Origin

SITE_CHAIN = "site"
SYSTEM_NAME = "system"
_APPEND = insert(cast("Table", AuditEvent.__table__))


def chain_for(space_id: int | None) -> str:
    return SITE_CHAIN if space_id is None else f"space:{space_id}"


def sentence(text: str, origin: Origin) -> str:
    return f"{text} (via API)" if origin is Origin.api else text


@dataclass(frozen=True)
class AppendedEvent:
    """An event as appended: every column but the id, which nothing needs back."""

    chain: str
    seq: int
    prev_hash: str
    hash: str
    at: datetime
    space_id: int | None
    page_id: int | None
    page_version: int | None
    request_id: int | None
    change_set_id: int | None
    actor_id: int | None
    actor_name: str
    action: str
    origin: str
    client_id: str | None
    text: str
    details: dict[str, Any]


def record_event(
    session: Session,
    action: str,
    text: str,
    *,
    by: Acting[User | None],
    space_id: int | None = None,
    page_id: int | None = None,
    page_version: int | None = None,
    request_id: int | None = None,
    change_set_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AppendedEvent:
    chain = chain_for(space_id)
    head = locked_head(session, chain)
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": head.seq + 1,
        "prev_hash": head.hash,
        "at": by.now,
        "space_id": space_id,
        "page_id": page_id,
        "page_version": page_version,
        "request_id": request_id,
        "change_set_id": change_set_id,
        "actor_id": by.actor.id if by.actor else None,
        "actor_name": by.actor.display_name if by.actor else SYSTEM_NAME,
        "action": action,
        "origin": by.origin.value,
        "client_id": by.client_id,
        "text": sentence(text, by.origin),
        "details": details or {},
    }
    event = AppendedEvent(**fields, hash="")
    event = replace(event, hash=event_hash(hashed_fields(event), event.prev_hash))
    append(session, _APPEND, asdict(event))
    note_audit_event(session, action)  # counted for /metrics if it commits
    head.seq, head.hash = event.seq, event.hash
    return event
