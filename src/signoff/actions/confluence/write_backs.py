"""What writing back to Confluence records on Signoff's side: the thread a review
opened on its page, and a site's request to pause.

Replies to a review go under the footer comment its submission posted, so that
comment's id is kept (`confluence_threads`). A `Retry-After` one process was given
is stored with the site, so every other process (`signoff worker`, `signoff
confluence sync`) adopts it before calling the site (`connect.site_gate`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from signoff.db.models import ConfluenceSite, ConfluenceThread


def do_record_thread(
    session: Session, request_id: int, comment_id: str, *, now: datetime
) -> ConfluenceThread:
    """Keep the comment that opened the review's thread; a thread already kept
    stays as it is (the first comment written is the one people reply under)."""
    kept = session.get(ConfluenceThread, request_id)
    if kept is not None:
        return kept
    thread = ConfluenceThread(
        request_id=request_id, comment_id=comment_id, created_at=now
    )
    session.add(thread)
    session.flush()
    return thread


def do_hold_site(session: Session, site_id: int, until: datetime) -> None:
    """Send the site nothing before `until`; a later hold already stored is kept."""
    site = session.get(ConfluenceSite, site_id)
    if site is None:
        return
    held = site.hold_until
    if held is None or _aware(held) < until:
        site.hold_until = until


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
