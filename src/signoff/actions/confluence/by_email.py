"""Mapping Atlassian accounts to Signoff users by the email address both show.

The accounts are the unmapped authors of versions recorded from a site; their
profiles are read from the site first, outside any transaction. Only a certain
match is mapped: the site shows the email, exactly one Signoff user has it
(compared without case), that user has no account on the site yet, and no other
account asked about shows the same email. Everything else is reported with its
reason, for `user map --account-id` to settle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.confluence.accounts import do_map_accounts
from signoff.actions.users import require_site_admin
from signoff.connectors.confluence import api
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import ConfluenceAccount, ConfluenceSite, User
from signoff.domain.errors import InvalidState


@dataclass(frozen=True)
class EmailMatch:
    """One account asked about: the user it was mapped to, or why it was not."""

    account_id: str
    display_name: str
    email: str | None
    username: str | None
    reason: str | None


def read_profiles(
    http: ConfluenceHttp, account_ids: Sequence[str]
) -> list[api.RemoteUser]:
    """The accounts' profiles from the site (a network call: never inside a
    transaction); `InvalidState` with the site's own words when it cannot answer."""
    if not account_ids:
        return []
    try:
        return api.users_by_account(http, account_ids)
    except (ConfluenceError, RateLimited) as error:
        raise InvalidState(
            f"The site could not be asked for its people's profiles: {error}"
        ) from None


def do_map_by_email(
    session: Session,
    site: ConfluenceSite,
    account_ids: Sequence[str],
    profiles: Iterable[api.RemoteUser],
    *,
    by: Acting[User | None],
) -> list[EmailMatch]:
    """Map each account of `account_ids` whose profile matches one user by email;
    one entry per account, in the order asked. An account mapped meanwhile (by
    someone else) is reported as such and left alone."""
    require_site_admin(by.actor, "map Confluence accounts")
    found = {profile.account_id: profile for profile in profiles}
    taken = _mapped_on_site(session, site)
    shown = Counter(
        profile.email.lower() for profile in found.values() if profile.email
    )
    matches: list[EmailMatch] = []
    for account_id in account_ids:
        profile = found.get(account_id)
        name = profile.display_name if profile else ""
        email = profile.email if profile else None
        user, reason = _user_for(session, account_id, email, taken, shown)
        if profile is None:
            reason = "the site does not know this account"
        matches.append(
            EmailMatch(account_id, name, email, user.username if user else None, reason)
        )
    pairs = [(m.account_id, m.username) for m in matches if m.username is not None]
    if pairs:
        do_map_accounts(session, site, pairs, by=by)
    return matches


def _user_for(
    session: Session,
    account_id: str,
    email: str | None,
    taken: dict[str, int],
    shown: Counter[str],
) -> tuple[User | None, str | None]:
    if account_id in taken:
        return None, "already mapped"
    if not email:
        return None, "the site hides this account's email"
    if shown[email.lower()] > 1:
        return None, f"several accounts on the site show the email {email}"
    users = session.scalars(
        select(User).where(func.lower(User.email) == email.lower()).limit(2)
    ).all()
    if not users:
        return None, f"no Signoff user has the email {email}"
    if len(users) > 1:
        return None, f"several Signoff users have the email {email}"
    if users[0].id in taken.values():
        return None, f"{users[0].username} is already another account on the site"
    return users[0], None


def _mapped_on_site(session: Session, site: ConfluenceSite) -> dict[str, int]:
    return dict(
        session.execute(
            select(ConfluenceAccount.account_id, ConfluenceAccount.user_id).where(
                ConfluenceAccount.site_id == site.id
            )
        ).all()
    )
