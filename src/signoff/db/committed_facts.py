"""Facts a transaction records for monitoring (an audit event of some action, a
polling pass), handed on only once the transaction has committed.

An action notes a fact when it writes it, but its transaction may still roll back,
or a savepoint around part of it. So each fact is kept against the innermost open
transaction (in `session.info`: no SQL), a released savepoint hands its facts to the
enclosing one, a rolled-back one drops them, and the outermost commit hands them to
the watcher. Until something watches, `note_fact` returns at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

Fact = tuple[str, ...]  # what happened, then its labels
Watcher = Callable[[Counter[Fact]], None]
AUDIT_EVENT = "audit_event"  # (AUDIT_EVENT, its action), e.g. "approval.approved"
SITE_POLLED = "site_polled"  # (SITE_POLLED, site name, "ok" | "failed")

_PENDING = "signoff.committed_facts"  # session.info: transaction -> its facts
_watchers: list[Watcher] = []


def note_fact(session: Session, *fact: str) -> None:
    """Count `fact` if, and when, the session's transaction commits."""
    if not _watchers:
        return
    here = session.get_nested_transaction() or session.get_transaction()
    if here is None:  # not in a transaction: nothing will commit it
        return
    pending: dict[SessionTransaction, Counter[Fact]] = session.info.setdefault(
        _PENDING, {}
    )
    pending.setdefault(here, Counter())[fact] += 1


def note_audit_event(session: Session, action: str) -> None:
    """Count an appended audit event of `action` once its transaction commits."""
    if _watchers:
        note_fact(session, AUDIT_EVENT, action)


def watch_commits(watcher: Watcher) -> None:
    """Hand every committed transaction's facts to `watcher` (once per watcher)."""
    if watcher in _watchers:
        return
    if not _watchers:
        event.listen(Session, "after_transaction_end", _hand_up_or_forget)
        event.listen(Session, "after_rollback", _drop_rolled_back)
        event.listen(Session, "after_commit", _hand_over_committed)
    _watchers.append(watcher)


def _hand_up_or_forget(session: Session, transaction: SessionTransaction) -> None:
    pending: dict[SessionTransaction, Counter[Fact]] | None = session.info.get(_PENDING)
    if not pending:
        return
    if transaction.parent is None:  # handed over at commit, or rolled back
        session.info.pop(_PENDING, None)
        return
    facts = pending.pop(transaction, None)
    if facts is not None:  # a savepoint released: its facts join the enclosing one
        enclosing = session.get_nested_transaction() or session.get_transaction()
        if enclosing is not None:
            pending.setdefault(enclosing, Counter()).update(facts)


def _drop_rolled_back(session: Session) -> None:
    # SQLAlchemy says so before the rolled-back transaction ends: the innermost
    # savepoint still open is the one rolled back; with none, the whole transaction.
    pending: dict[SessionTransaction, Counter[Fact]] | None = session.info.get(_PENDING)
    if not pending:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        pending.clear()
    else:
        pending.pop(savepoint, None)


def _hand_over_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its facts move up when it ends
    pending: dict[SessionTransaction, Counter[Fact]] = session.info.pop(_PENDING, {})
    committed: Counter[Fact] = Counter()
    for facts in pending.values():
        committed.update(facts)
    if committed:
        for watcher in _watchers:
            watcher(committed)
