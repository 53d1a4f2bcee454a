"""Appending audit events to their hash chain, inside the caller's transaction.

Each space has its own chain; events without a space (users, site settings) go on the
site chain. The chain head row is locked before appending, which serialises appends
per chain on PostgreSQL; SQLite's single writer already does.

The locked head is kept until its transaction or savepoint ends, so an action that
records several events reads its chain head once, and the head's row is written once
per flush rather than once per event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from signoff.actions.acting import Acting
from signoff.db.models import AuditChainHead, AuditEvent, User
from signoff.domain.audit_chain import GENESIS, event_hash, hashed_fields
from signoff.domain.states import Origin

SITE_CHAIN = "site"
SYSTEM_NAME = "system"
_HEADS = "signoff.audit_heads"  # session.info key: chain -> its locked head


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction: SessionTransaction) -> None:
    # The row lock ends with the transaction; the next one locks and reads afresh.
    # A savepoint released, or a flush's own inner transaction, changes nothing: a
    # bulk submit keeps one head for all its pages.
    if transaction.parent is None:
        session.info.pop(_HEADS, None)


@orm_event.listens_for(Session, "after_soft_rollback")
def _forget_heads_rolled_back(session: Session, _: SessionTransaction) -> None:
    # Any rollback, a savepoint's included, may undo the head's advance or drop a
    # head it created.
    session.info.pop(_HEADS, None)


def _locked_head(session: Session, chain: str) -> AuditChainHead:
    heads: dict[str, AuditChainHead] = session.info.setdefault(_HEADS, {})
    head = heads.get(chain)
    if head is None:
        head = session.scalar(
            select(AuditChainHead)
            .where(AuditChainHead.chain == chain)
            .with_for_update()
        )
        if head is None:
            head = AuditChainHead(chain=chain, seq=0, hash=GENESIS)
            session.add(head)
        heads[chain] = head
    return head


def chain_for(space_id: int | None) -> str:
    return SITE_CHAIN if space_id is None else f"space:{space_id}"


def sentence(text: str, origin: Origin) -> str:
    return f"{text} (via API)" if origin is Origin.api else text


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
) -> AuditEvent:
    chain = chain_for(space_id)
    head = _locked_head(session, chain)
    event = AuditEvent(
        chain=chain,
        seq=head.seq + 1,
        prev_hash=head.hash,
        at=by.now,
        space_id=space_id,
        page_id=page_id,
        page_version=page_version,
        request_id=request_id,
        change_set_id=change_set_id,
        actor_id=by.actor.id if by.actor else None,
        actor_name=by.actor.display_name if by.actor else SYSTEM_NAME,
        action=action,
        origin=by.origin.value,
        client_id=by.client_id,
        text=sentence(text, by.origin),
        details=details or {},
    )
    event.hash = event_hash(hashed_fields(event), event.prev_hash)
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    return event
