"""A Signoff group that follows a Confluence group: its members are the Confluence
group's members whose accounts are mapped to users on that site.

Following is set up by a site administrator (the group is looked up on the site
first, with one call, then synced at once) and kept by each polling pass of the
site. Members join and leave through the group actions, so reviews gain and lose
waiting seats as with a change by hand, audited with origin `system`; accounts
mapped to nobody are recorded and reported, never guessed. Calls to Confluence are
made outside any transaction: `read_confluence_group` before, the `do_` actions in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.confluence.sites import find_site
from signoff.actions.groups import do_add_group_member, do_remove_group_member
from signoff.actions.users import require_site_admin
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited
from signoff.connectors.confluence.groups import (
    RemoteGroup,
    RemoteMember,
    group_by_name,
    group_members,
)
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import (
    ConfluenceGroupFollow,
    ConfluenceSite,
    Group,
    GroupMember,
    User,
)
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState, NotFound, SignoffError
from signoff.queries.confluence import accounts_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfluenceGroupRead:
    """A Confluence group and its members, as one read found them."""

    group: RemoteGroup
    members: Sequence[RemoteMember]


@dataclass
class GroupSynced:
    """What one sync did to one group (usernames), or why it could not."""

    group: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    error: str | None = None


def follow_group(
    db: Database,
    group_name: str,
    site_name: str,
    confluence_group: str,
    *,
    http_for: Callable[[ConfluenceSite], ConfluenceHttp],
    by: Acting[None],
) -> GroupSynced:
    """The whole follow for the console operator: check, read the site (no
    transaction open), then link and sync in one transaction."""
    with db.read() as session:
        fetch = prepare_follow(
            session,
            group_name,
            site_name,
            confluence_group,
            actor=by.actor,
            http_for=http_for,
        )
    read = fetch()
    with db.write() as session:
        group, site = find_group(session, group_name), find_site(session, site_name)
        return do_follow_group(session, group, site, read, by=by)


def prepare_follow(
    session: Session,
    group_name: str,
    site_name: str,
    confluence_group: str,
    *,
    actor: User | None,
    http_for: Callable[[ConfluenceSite], ConfluenceHttp],
) -> Callable[[], ConfluenceGroupRead]:
    """The first half of every follow (shell, API, web), in a read transaction:
    the group and site exist, the caller may, the group follows nothing yet and the
    site's credential opens. Returns the read of the Confluence group, to be called
    once no transaction is open; its result goes to `do_follow_group`."""
    group, site = find_group(session, group_name), find_site(session, site_name)
    check_can_follow(session, group, site, actor=actor)
    try:
        http = http_for(site)
    except ConfluenceError as error:
        raise InvalidState(f"Site {site_name}: {error}") from None
    return partial(read_confluence_group, http, confluence_group, site_name=site_name)


def find_group(session: Session, name: str) -> Group:
    group = session.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise NotFound(f"name: no group named {name!r}.")
    return group


def check_can_follow(
    session: Session, group: Group, site: ConfluenceSite, *, actor: User | None
) -> None:
    """Before any call: the caller may, and the group follows nothing yet."""
    require_site_admin(actor, "make a group follow a Confluence group")
    _refuse_if_following(session, group)


def read_confluence_group(
    http: ConfluenceHttp, name: str, *, site_name: str
) -> ConfluenceGroupRead:
    """The group called `name` on the site and its members (no transaction open)."""
    if not name.strip():
        raise BadInput("confluenceGroup must name a Confluence group.")
    try:
        found = group_by_name(http, name.strip())
        if found is None:
            raise NotFound(
                f"Confluence group {name.strip()!r} was not found on site "
                f"{site_name}, or its credentials cannot see it."
            )
        return ConfluenceGroupRead(found, group_members(http, found.id))
    except (ConfluenceError, RateLimited) as error:
        raise InvalidState(
            f"Site {site_name} could not be asked for Confluence group "
            f"{name.strip()!r}: {error}"
        ) from None


def do_follow_group(
    session: Session,
    group: Group,
    site: ConfluenceSite,
    read: ConfluenceGroupRead,
    *,
    by: Acting[User | None],
) -> GroupSynced:
    """Link `group` to the Confluence group `read` found, and sync it at once."""
    check_can_follow(session, group, site, actor=by.actor)
    follow = ConfluenceGroupFollow(
        group_id=group.id,
        site_id=site.id,
        confluence_group_id=read.group.id,
        confluence_group_name=read.group.name,
        created_at=by.now,
        unmapped=[],
    )
    session.add(follow)
    session.flush()
    record_event(
        session,
        "group.followed",
        f"Group {group.name} now follows Confluence group {read.group.name} "
        f"on site {site.name}.",
        by=by,
        details={
            "group": group.name,
            "site": site.name,
            "confluenceGroup": read.group.name,
            "confluenceGroupId": read.group.id,
        },
    )
    return do_sync_group(session, follow, read.members, now=by.now)


def do_unfollow_group(
    session: Session, group: Group, *, by: Acting[User | None]
) -> None:
    """Stop following; the members stay, and can be changed by hand again."""
    require_site_admin(by.actor, "make a group stop following a Confluence group")
    follow = session.get(ConfluenceGroupFollow, group.id)
    if follow is None:
        raise InvalidState(f"Group {group.name} follows no Confluence group.")
    site = session.get(ConfluenceSite, follow.site_id)
    session.delete(follow)
    session.flush()
    record_event(
        session,
        "group.unfollowed",
        f"Group {group.name} no longer follows Confluence group "
        f"{follow.confluence_group_name}; its members stay.",
        by=by,
        details={
            "group": group.name,
            "site": site.name if site else None,
            "confluenceGroup": follow.confluence_group_name,
        },
    )


def do_sync_group(
    session: Session,
    follow: ConfluenceGroupFollow,
    members: Sequence[RemoteMember],
    *,
    now: datetime,
) -> GroupSynced:
    """Make the group's members exactly the mapped ones among `members`."""
    group = session.get(Group, follow.group_id)
    site = session.get(ConfluenceSite, follow.site_id)
    assert group is not None
    assert site is not None
    accounts = accounts_of(session, site.id)
    wanted = {accounts[m.account_id] for m in members if m.account_id in accounts}
    held = set(
        session.scalars(
            select(GroupMember.user_id).where(GroupMember.group_id == group.id)
        )
    )
    via = f"Confluence group {follow.confluence_group_name} on site {site.name}"
    by = Acting.system(now)
    done = GroupSynced(group.name)
    for user_id in sorted(wanted - held):
        user = session.get(User, user_id)
        assert user is not None
        do_add_group_member(session, group, user, by=by, via=via)
        done.added.append(user.username)
    for user_id in sorted(held - wanted):
        user = session.get(User, user_id)
        assert user is not None
        do_remove_group_member(session, group, user, by=by, via=via)
        done.removed.append(user.username)
    done.unmapped = sorted({m.account_id for m in members} - set(accounts))
    follow.synced_at, follow.last_error = now, None
    follow.unmapped = done.unmapped
    session.flush()
    return done


def sync_followed_groups(
    db: Database, http: ConfluenceHttp, site_id: int, *, clock: Callable[[], datetime]
) -> list[GroupSynced]:
    """Every group following a group of this site, each read then synced in a
    transaction of its own. A group that cannot be read or synced keeps its
    members; the failure is recorded on its follow and returned, never raised."""
    with db.read() as session:
        follows = [
            (f.group_id, f.confluence_group_id, f.confluence_group_name)
            for f in session.scalars(
                select(ConfluenceGroupFollow)
                .where(ConfluenceGroupFollow.site_id == site_id)
                .order_by(ConfluenceGroupFollow.group_id)
            )
        ]
    return [_sync_one(db, http, *follow, clock=clock) for follow in follows]


def _sync_one(
    db: Database,
    http: ConfluenceHttp,
    group_id: int,
    confluence_id: str,
    confluence_name: str,
    *,
    clock: Callable[[], datetime],
) -> GroupSynced:
    try:
        members = group_members(http, confluence_id)
        with db.write() as session:
            follow = session.get(ConfluenceGroupFollow, group_id)
            if follow is None:  # unfollowed meanwhile
                return GroupSynced(str(group_id))
            return do_sync_group(session, follow, members, now=clock())
    except (ConfluenceError, RateLimited, SignoffError) as error:
        words = str(error)
        if isinstance(error, ConfluenceError) and error.status == 404:
            words = f"Confluence group {confluence_name} no longer exists ({error})"
        logger.warning("group %s not synced: %s", group_id, words)
        with db.write() as session:
            follow = session.get(ConfluenceGroupFollow, group_id)
            group = session.get(Group, group_id)
            if follow is not None:
                follow.last_error = words
            return GroupSynced(group.name if group else str(group_id), error=words)


def _refuse_if_following(session: Session, group: Group) -> None:
    follow = session.get(ConfluenceGroupFollow, group.id)
    if follow is not None:
        raise InvalidState(
            f"Group {group.name} already follows Confluence group "
            f"{follow.confluence_group_name}; unfollow it first."
        )
