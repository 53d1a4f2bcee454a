"""What each following group follows: the Confluence group, its site, when it last
synced and the last error, for `group list` and the groups screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import ConfluenceGroupFollow, ConfluenceSite, Group


@dataclass(frozen=True)
class FollowView:
    site: str
    confluence_group: str
    synced_at: datetime | None
    error: str | None
    unmapped: tuple[str, ...]


def follows_by_group(session: Session) -> dict[str, FollowView]:
    """Group name -> what it follows, for every group that follows one."""
    rows = session.execute(
        select(Group.name, ConfluenceSite.name, ConfluenceGroupFollow)
        .join(ConfluenceGroupFollow, ConfluenceGroupFollow.group_id == Group.id)
        .join(ConfluenceSite, ConfluenceSite.id == ConfluenceGroupFollow.site_id)
    ).all()
    return {
        name: FollowView(
            site,
            follow.confluence_group_name,
            follow.synced_at,
            follow.last_error,
            tuple(follow.unmapped or ()),
        )
        for name, site, follow in rows
    }
