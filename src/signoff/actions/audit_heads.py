"""The heads of the audit chains a transaction appends to: read once, written once.

A chain's head row is read and locked (`FOR UPDATE`) at the transaction's first event
on that chain, which serialises appends per chain on PostgreSQL (SQLite's single
writer already does). From then on the head advances in Python, and its row is
written once, just before the transaction commits, however many events the action
records. A savepoint keeps a copy of the heads as they were when it began; rolling
it back restores them, so the events it undid leave no gap in the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

from sqlalchemy import String, Table, bindparam, insert, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction

from signoff.db.models import AuditChainHead
from signoff.domain.audit_chain import GENESIS

_HEADS = "signoff.audit_heads"
"""session.info: chain -> `Head`, for the rest of the transaction."""
_SAVED = "signoff.audit_heads_saved"
"""session.info: [(savepoint, the heads when it began)], innermost last."""
_ENDED = "signoff.audit_heads_ended"
"""session.info: the savepoint that just ended, with its copy, until we know whether
it was released or rolled back (SQLAlchemy ends it before saying so)."""

_TABLE = cast("Table", AuditChainHead.__table__)
_CHAIN = bindparam("chain", type_=String)
_LOCK = (
    select(_TABLE.c.seq, _TABLE.c.hash)
    .where(_TABLE.c.chain == _CHAIN)
    .with_for_update()
)
_MOVE = (
    update(_TABLE)
    .where(_TABLE.c.chain == bindparam("chain_key", type_=String))
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)
_START = insert(_TABLE)


@dataclass
class Head:
    """A chain's last link as the transaction sees it, and what its row holds."""

    seq: int
    hash: str
    stored_seq: int | None
    """The seq the row holds; None while the chain has no row yet."""


def locked_head(session: Session, chain: str) -> Head:
    """`chain`'s head, read and locked at its first use in the transaction."""
    heads: dict[str, Head] = session.info.setdefault(_HEADS, {})
    head = heads.get(chain)
    if head is None:
        row = session.execute(_LOCK, {"chain": chain}).first()
        head = (
            Head(0, GENESIS, None) if row is None else Head(row.seq, row.hash, row.seq)
        )
        heads[chain] = head
    return head


def _copy(session: Session) -> dict[str, Head]:
    heads: dict[str, Head] = session.info.get(_HEADS, {})
    return {chain: replace(head) for chain, head in heads.items()}


@orm_event.listens_for(Session, "after_transaction_create")
def _savepoint_began(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_SAVED, []).append((transaction, _copy(session)))


@orm_event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # The row locks end with the transaction; the next one reads afresh.
        for key in (_HEADS, _SAVED, _ENDED):
            session.info.pop(key, None)
        return
    saved = session.info.get(_SAVED)
    if transaction.nested and saved and saved[-1][0] is transaction:
        session.info[_ENDED] = saved.pop()


@orm_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    ended = session.info.pop(_ENDED, None)
    if ended is not None and ended[0] is previous:
        session.info[_HEADS] = ended[1]  # the savepoint's events are gone
    elif previous.parent is not None:
        # A rollback that is neither a savepoint's nor the transaction's (a failed
        # flush) leaves the transaction unusable: nothing more is appended in it.
        session.info.pop(_HEADS, None)


@orm_event.listens_for(Session, "after_commit")
def _savepoint_released(session: Session) -> None:
    session.info.pop(_ENDED, None)


@orm_event.listens_for(Session, "before_commit")
def _write_heads(session: Session) -> None:
    """Write each head that moved, once, as the transaction commits. A savepoint's
    release leaves them to the transaction: its rollback restores the copy."""
    if session.in_nested_transaction():
        return
    heads: dict[str, Head] = session.info.get(_HEADS, {})
    for chain, head in heads.items():
        if head.stored_seq == head.seq:
            continue
        if head.stored_seq is None:
            session.execute(
                _START, {"chain": chain, "seq": head.seq, "hash": head.hash}
            )
        else:
            session.execute(
                _MOVE, {"chain_key": chain, "seq": head.seq, "hash": head.hash}
            )
        head.stored_seq = head.seq
