"""Who may read a space: its members, and site administrators (who act as admin in
every space). Seats, workflow approvers and notifications all ask this one question,
so nobody outside a space is asked to review it or told what happens in it.

Answers are kept for the rest of the transaction (a bulk submit asks about the same
approvers for every page); the actions that change membership call `forget_readers`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from signoff.db.models import SpaceMember, User

_READERS = "signoff.readers"  # session.info: (transaction, {(space, user): bool})

# Built once: seats, approvers and mentions ask it at every submission and decision.
_MAY_READ = select(User.id).where(
    User.id.in_(bindparam("user_ids", expanding=True)),
    or_(
        User.is_site_admin.is_(True),
        User.id.in_(
            select(SpaceMember.user_id).where(
                SpaceMember.space_id == bindparam("space_id", type_=Integer)
            )
        ),
    ),
)


def space_readers(
    session: Session, space_id: int, user_ids: Iterable[int]
) -> frozenset[int]:
    """Of `user_ids`, the people who may read the space now."""
    wanted = set(user_ids)
    known = _known(session)
    unknown = {user_id for user_id in wanted if (space_id, user_id) not in known}
    if unknown:
        found = set(
            session.scalars(
                _MAY_READ, {"user_ids": sorted(unknown), "space_id": space_id}
            )
        )
        known.update(((space_id, user_id), user_id in found) for user_id in unknown)
    return frozenset(user_id for user_id in wanted if known[(space_id, user_id)])


def may_read_space(session: Session, space_id: int, user_id: int) -> bool:
    return user_id in space_readers(session, space_id, (user_id,))


def forget_readers(session: Session) -> None:
    """Membership changed in this transaction: ask the database again."""
    session.info.pop(_READERS, None)


def _known(session: Session) -> dict[tuple[int, int], bool]:
    # Keyed by the transaction: another one may have changed a membership since.
    transaction = session.get_transaction()
    kept = session.info.get(_READERS)
    if kept is None or kept[0] is not transaction:
        kept = (transaction, {})
        session.info[_READERS] = kept
    known: dict[tuple[int, int], bool] = kept[1]
    return known
