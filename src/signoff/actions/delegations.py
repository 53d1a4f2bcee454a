"""Setting and revoking delegations ("while I am away, Dana decides for me").

A person sets their own; a site admin may set or revoke anyone's. The rules a
delegation must meet are `domain.delegation`'s; each change is audited on the site
chain (`delegation.created`, `delegation.revoked`). Deciding through a delegation is
`actions.approvals.do_record_decision`'s.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.db.models import Delegation, User
from signoff.domain.audit_chain import utc_text
from signoff.domain.delegation import DELEGATION_REFUSALS, delegation_refusal
from signoff.domain.errors import BadInput, Denial, InvalidState, NotAllowed, NotFound
from signoff.queries.delegations import live_spans


def _require_self_or_site_admin(actor: User, person: User, action: str) -> None:
    if actor.id == person.id or actor.is_site_admin:
        return
    raise NotAllowed(
        f"Only a site administrator can {action} for someone else.",
        denial=Denial(
            action=action,
            reason="not_yourself",
            actor_id=actor.id,
            details={"accountId": person.account_id},
        ),
    )


def do_set_delegation(
    session: Session,
    person: User,
    delegate: User,
    *,
    starts_at: datetime,
    ends_at: datetime,
    by: Acting[User],
) -> Delegation:
    """`delegate` decides for `person` from `starts_at` until `ends_at` (exclusive).

    Refused (`BadInput`) when the range or the people break a rule of
    `domain.delegation`; the live delegations of both people are read once.
    """
    _require_self_or_site_admin(by.actor, person, "set a delegate")
    refusal = delegation_refusal(
        person=person.id,
        delegate=delegate.id,
        delegate_active=delegate.is_active,
        starts=starts_at,
        ends=ends_at,
        live=live_spans(session, person.id, delegate.id),
    )
    if refusal is not None:
        raise BadInput(DELEGATION_REFUSALS[refusal])
    row = Delegation(
        user_id=person.id,
        delegate_id=delegate.id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by.actor.id,
        created_at=by.now,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        "delegation.created",
        f"{delegate.display_name} decides for {person.display_name} from "
        f"{utc_text(starts_at)} until {utc_text(ends_at)}.",
        by=by,
        details=_details(row, person, delegate),
    )
    return row


def do_revoke_delegation(
    session: Session, delegation_id: int, *, by: Acting[User]
) -> Delegation:
    """End a delegation now, whether it has started or not; its row stays, revoked.

    The person away, or a site admin, may revoke it.
    """
    row = session.get(Delegation, delegation_id)
    if row is None:
        raise NotFound(f"Delegation {delegation_id} not found.")
    person = session.get_one(User, row.user_id)
    delegate = session.get_one(User, row.delegate_id)
    if by.actor.id not in (row.user_id, row.delegate_id) and not by.actor.is_site_admin:
        raise NotFound(f"Delegation {delegation_id} not found.")
    _require_self_or_site_admin(by.actor, person, "revoke a delegate")
    if row.revoked_at is not None:
        raise InvalidState("That delegation has already been revoked.")
    row.revoked_at = by.now
    session.flush()
    record_event(
        session,
        "delegation.revoked",
        f"{by.actor.display_name} revoked {delegate.display_name}'s delegation "
        f"for {person.display_name}.",
        by=by,
        details=_details(row, person, delegate),
    )
    return row


def _details(row: Delegation, person: User, delegate: User) -> dict[str, object]:
    return {
        "delegationId": row.id,
        "accountId": person.account_id,
        "delegateAccountId": delegate.account_id,
        "from": utc_text(row.starts_at),
        "to": utc_text(row.ends_at),
    }
