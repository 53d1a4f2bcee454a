"""Writes back to Confluence: the review's comments, its property, and its labels.

`ConfluenceWriter` delivers one `confluence.write` message: the event's footer
comment (the submission opens the thread and its id is kept; every later event
replies in it), then the page's `signoff-approval` property made current with the
value read at that moment, then (with `SIGNOFF_CONFLUENCE_LABELS`) the labels.
Each step is safe to run again: a comment sent again after an unclear failure (any
try after the first) is looked up by its reference before it is posted, and the
property and labels are set to a state, not moved by a step.

A site that asks for a pause (429, 503, or a hold longer than a pass waits) is
retried after its `Retry-After`, never sooner, and the hold is stored for other
processes; refused credentials wait an hour; a page gone from Confluence ends the
message. `deliver_confluence_writes` delivers the due writes now, for `signoff
confluence sync`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from signoff.actions.confluence.write_backs import do_hold_site, do_record_thread
from signoff.config import Settings
from signoff.connectors.confluence.connect import site_gate, site_http
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited, SiteGate
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.connectors.confluence.labels import set_labels
from signoff.connectors.confluence.writes import (
    post_comment,
    put_property,
    remove_property,
)
from signoff.db.models import ConfluenceSite, ConfluenceSpaceLink
from signoff.db.session import Database
from signoff.domain.states import ApprovalStatus
from signoff.notify.approval_value import STATUS_CODES
from signoff.notify.confluence_fan_out import CONFLUENCE_EVENTS, WRITE_KIND
from signoff.notify.confluence_review import ReviewEvent, live_property, load_event
from signoff.notify.confluence_texts import comment_markup
from signoff.notify.handlers import FollowUp, GiveUp, Handlers, Message, Retry
from signoff.notify.worker import OutboxWorker
from signoff.queries.approval_property import APPROVAL_PROPERTY_KEY

GateOf = Callable[[ConfluenceSite], SiteGate]
AUTH_PAUSE = 3600.0
"""Seconds a write waits after the site refused the credentials: they will not
mend by themselves, and the site's health (`signoff confluence status`) says why."""
APPROVED, IN_REVIEW, STALE = "signoff-approved", "signoff-in-review", "signoff-stale"
LABELS = (APPROVED, IN_REVIEW, STALE)
MAX_ROUNDS = 1000  # batches one `deliver_confluence_writes` runs at most


class ConfluenceWriter:
    """Delivers `confluence.write` messages; the handler the worker calls."""

    def __init__(
        self,
        settings: Settings,
        *,
        site_key: str,
        clock: Callable[[], datetime],
        gates: GateOf = site_gate,
    ) -> None:
        self.settings, self.site_key, self.clock = settings, site_key, clock
        self.gates = gates

    def __call__(self, message: Message, db: Database) -> Sequence[FollowUp]:
        with db.read() as session:
            event = load_event(session, message.payload, base_url=self.base_url)
            if event is None:
                return ()  # the review or its page is gone: nothing is owed
            site = session.get(ConfluenceSite, event.site_id)
            if site is None:
                raise GiveUp(f"Confluence site {event.site_id} was removed.")
            gate = self.gates(site)
            try:
                http = site_http(
                    site,
                    site_key=self.site_key,
                    allow=self.settings.confluence_allow_list,
                    gate=gate,
                )
            except ConfluenceError as error:
                raise Retry(f"{error}", retry_after=AUTH_PAUSE) from None
        try:
            self._write(
                db, http, event, message.message_id, resent=message.attempts > 0
            )
        except RateLimited as paused:
            self._hold(db, event.site_id, paused.until)
            raise Retry(
                f"Confluence asked for a pause: {paused}",
                retry_after=max(1.0, paused.until - gate.now()),
            ) from None
        except ConfluenceError as error:
            if error.retry_after is not None:
                self._hold(db, event.site_id, gate.now() + error.retry_after)
            raise verdict(error, event.confluence_page_id) from None
        return ()

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def _write(
        self,
        db: Database,
        http: ConfluenceHttp,
        event: ReviewEvent,
        reference: str,
        *,
        resent: bool,
    ) -> None:
        """Comment, then property, then labels: the property last written is read
        after the comment, so it is as new as it can be."""
        markup = comment_markup(event)
        if markup is not None:
            self._comment(db, http, event, markup, reference, resent=resent)
        with db.read() as session:
            value = live_property(session, event.page_id)
        page = event.confluence_page_id
        if value is None:
            remove_property(http, page, APPROVAL_PROPERTY_KEY)
        else:
            put_property(http, page, APPROVAL_PROPERTY_KEY, value)
        if self.settings.confluence_labels:
            set_labels(http, page, labels_for(value), managed=LABELS)

    def _comment(
        self,
        db: Database,
        http: ConfluenceHttp,
        event: ReviewEvent,
        markup: str,
        reference: str,
        *,
        resent: bool,
    ) -> None:
        if event.event == "approval.submitted":
            if event.thread is not None:
                return  # written by an earlier try
            made = post_comment(
                http,
                markup,
                reference,
                page_id=event.confluence_page_id,
                resent=resent,
            )
            with db.write() as session:
                do_record_thread(session, event.request_id, made, now=self.clock())
            return
        if event.thread is None:
            raise Retry(
                "the review's comment thread on Confluence page "
                f"{event.confluence_page_id} is not written yet"
            )
        post_comment(http, markup, reference, parent_id=event.thread, resent=resent)

    def _hold(self, db: Database, site_id: int, until: float) -> None:
        with db.write() as session:
            do_hold_site(session, site_id, datetime.fromtimestamp(until, UTC))


def verdict(error: ConfluenceError, page_id: str) -> Retry | GiveUp:
    """What a failed call means for the write: try again (when), or never."""
    if error.status == 404:
        return GiveUp(
            f"Confluence page {page_id} (or the review's comment on it) is gone, or "
            f"the site's credentials can no longer see it: {error}"
        )
    if error.is_auth:
        return Retry(
            f"Confluence refused the site's credentials ({error}); writes wait "
            "until the site is connected again with working ones",
            retry_after=AUTH_PAUSE,
        )
    if error.retryable or error.status == 409:
        return Retry(str(error), retry_after=error.retry_after)
    return GiveUp(f"Confluence refused the write: {error}")


def labels_for(value: dict[str, object] | None) -> set[str]:
    """The one label (of ours) that says where the page stands, if any, read from
    the property's value as `approval_value_json` renders it (integer status codes)."""
    if value is None:
        return set()
    if value.get("status") == STATUS_CODES[ApprovalStatus.pending]:
        return {IN_REVIEW}
    if value.get("isStale") is True:
        return {STALE}
    if value.get("status") == STATUS_CODES[ApprovalStatus.approved]:
        return {APPROVED}
    return set()


def confluence_write_handlers(
    settings: Settings,
    *,
    site_key: str,
    clock: Callable[[], datetime],
    gates: GateOf = site_gate,
) -> Handlers:
    return Handlers(
        {
            WRITE_KIND: ConfluenceWriter(
                settings, site_key=site_key, clock=clock, gates=gates
            )
        }
    )


def deliver_confluence_writes(
    db: Database,
    settings: Settings,
    *,
    site_key: str,
    clock: Callable[[], datetime],
    site_id: int | None = None,
    gates: GateOf = site_gate,
) -> int:
    """Deliver the `confluence.write` messages due now (of the site `site_id`'s
    linked spaces only, when given), and nothing else; how many were written.

    A write that must wait (a pause the site asked for, a thread not written yet)
    is left for later, when it is due again.
    """
    linked = select(ConfluenceSpaceLink.space_id)
    if site_id is not None:
        linked = linked.where(ConfluenceSpaceLink.site_id == site_id)
    with db.read() as session:
        spaces = set(session.scalars(linked))
    if not spaces:
        return 0
    # The review events of linked spaces not yet fanned out become their writes
    # now (and their mail and webhooks, as the worker would), so a pass run on its
    # own writes back without waiting for a worker. Imported here: the channels
    # import this module.
    from signoff.notify.channels import channel_handlers

    fan_out = OutboxWorker(
        db,
        channel_handlers(settings, site_key=site_key, clock=clock),
        clock=clock,
        kinds=set(CONFLUENCE_EVENTS),
        spaces=spaces,
    )
    for _ in range(MAX_ROUNDS):
        if fan_out.run_once() == 0:
            break
    worker = OutboxWorker(
        db,
        confluence_write_handlers(
            settings, site_key=site_key, clock=clock, gates=gates
        ),
        clock=clock,
        kinds={WRITE_KIND},
        spaces=spaces,
    )
    for _ in range(MAX_ROUNDS):
        if worker.run_once() == 0:
            break
    return worker.stats.delivered
