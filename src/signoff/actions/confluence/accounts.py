"""Which Signoff user each Atlassian account is, per site.

A mapping names the user in Confluence comments (a mention) and attributes the
versions that account wrote, including those recorded before the mapping: their
`author_id` follows it, so the rule against approving one's own change holds for
edits made before anyone said who wrote them. One account is one user on a site,
and one user one account.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.assignments import reassign_current_step
from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.connectors.confluence.source import source_name
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceAccount,
    ConfluenceSite,
    Page,
    PageVersion,
    User,
)
from signoff.domain.errors import BadInput, NotFound
from signoff.domain.states import RequestStatus

ACCOUNT_ID = re.compile(r"[A-Za-z0-9:_-]{1,128}")
MAX_ROWS = 10_000


def check_account_id(value: str, *, field: str = "accountId") -> str:
    if not ACCOUNT_ID.fullmatch(value):
        raise BadInput(
            f"{field} {value[:40]!r} is not an Atlassian account id "
            "(letters, digits, ':', '_' and '-', at most 128).",
            field=field,
        )
    return value


def parse_mapping_csv(text: str) -> list[tuple[str, str]]:
    """Rows of `accountId,username` (a header row with those names is optional);
    `BadInput` naming the first bad line."""
    rows: list[tuple[str, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (cells and cells[0].startswith("#")):
            continue
        if number == 1 and [c.lower() for c in cells] == ["accountid", "username"]:
            continue
        if len(cells) != 2 or not all(cells):
            raise BadInput(f"Line {number}: expected accountId,username.", field="file")
        rows.append((check_account_id(cells[0], field=f"line {number}"), cells[1]))
        if len(rows) > MAX_ROWS:
            raise BadInput(f"At most {MAX_ROWS} rows in one file.", field="file")
    if not rows:
        raise BadInput("The file maps nobody.", field="file")
    return rows


def do_map_accounts(
    session: Session,
    site: ConfluenceSite,
    pairs: Sequence[tuple[str, str]],
    *,
    by: Acting[User | None],
) -> list[ConfluenceAccount]:
    """Map each (account id, username); all or nothing: an unknown user, or an
    account or user named twice, refuses the whole set."""
    require_site_admin(by.actor, "map Confluence accounts")
    accounts = [check_account_id(account) for account, _ in pairs]
    names = [name for _, name in pairs]
    for label, values in (("account", accounts), ("user", names)):
        seen: set[str] = set()
        for value in values:
            if value in seen:
                raise BadInput(f"The {label} {value!r} is named twice.", field=label)
            seen.add(value)
    users = {
        user.username: user
        for user in session.scalars(select(User).where(User.username.in_(names)))
    }
    missing = [name for name in names if name not in users]
    if missing:
        raise NotFound(f"User {missing[0]!r} not found.")
    return [
        _map_one(session, site, account, users[name], by=by) for account, name in pairs
    ]


def _map_one(
    session: Session,
    site: ConfluenceSite,
    account_id: str,
    user: User,
    *,
    by: Acting[User | None],
) -> ConfluenceAccount:
    rows = session.scalars(
        select(ConfluenceAccount).where(
            ConfluenceAccount.site_id == site.id,
            (ConfluenceAccount.account_id == account_id)
            | (ConfluenceAccount.user_id == user.id),
        )
    ).all()
    same = [r for r in rows if r.account_id == account_id and r.user_id == user.id]
    if same:
        return same[0]
    for stale in rows:
        session.delete(stale)
    session.flush()
    mapped = ConfluenceAccount(site_id=site.id, account_id=account_id, user_id=user.id)
    session.add(mapped)
    session.flush()
    _attribute_versions(session, site, account_id, user.id)
    for stale in rows:
        if stale.user_id != user.id:
            _attribute_versions(session, site, stale.account_id, None)
    _reassign_pending(session, site)
    record_event(
        session,
        "confluence.account_mapped",
        f"Atlassian account {account_id} on site {site.name} is "
        f"{user.display_name} ({user.username}).",
        by=by,
        details={"site": site.name, "accountId": account_id, "userId": user.id},
    )
    return mapped


def _reassign_pending(session: Session, site: ConfluenceSite) -> None:
    """Who may decide on the site's pending reviews can change with a mapping."""
    pending = session.scalars(
        select(ApprovalRequest)
        .join(Page, Page.id == ApprovalRequest.page_id)
        .where(
            Page.source == source_name(site.id),
            ApprovalRequest.status == RequestStatus.pending.value,
        )
    ).all()
    for request in pending:
        reassign_current_step(session, request)


def _attribute_versions(
    session: Session, site: ConfluenceSite, account_id: str, user_id: int | None
) -> None:
    """The versions `account_id` wrote on the site's pages are now `user_id`'s."""
    session.execute(
        update(PageVersion)
        .where(
            PageVersion.author_account == account_id,
            PageVersion.page_id.in_(
                select(Page.id).where(Page.source == source_name(site.id))
            ),
        )
        .values(author_id=user_id)
        .execution_options(synchronize_session=False)
    )
