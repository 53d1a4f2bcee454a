"""The email channel: approval events become one `email.send` per person, sent by SMTP.

Fan-out (`fan_out_email`) reads who should hear about a review event and what to
tell them, once, and queues one `email.send` per person (key `email:{user_id}`), so
each mail is retried on its own; its sender reads only whether the recipient may still
read the page. Who hears what:

- `approval.submitted`, `approval.step_started`: the current step's approvers
  (group members included), when the workflow has `notify_requests`;
- `approval.decided`: the submitter, with the approver's comment, when the
  workflow has `notify_status`, and the seat holder a delegate decided for; the
  submitter also hears of `approval.approved` and `approval.rejected`;
- `approval.stale`: the submitter and the people who approved, under `notify_status`;
- `approval.rereview_reminder`: the page's owner (the approval's submitter), once,
  before a periodic re-review is due; `approval.rereview_opened` asks the new
  review's first step like a submission;
- `approval.overridden`: the approvers it went around (as the action recorded them),
  under `notify_requests`, and the submitter, under `notify_status`.

The approvers asked are the ones the action recorded with the event (`recipients`,
see `queries.audience`), so a review decided before the worker gets to it still
sends its requests; events recorded without them fall back to the step as it is now.
Never the person who caused the event, nor anyone inactive, without an address, who
turned approval email off, or who may not read the space: that last is checked at
fan-out and again just before sending, so a member removed in between gets nothing.
Sending (`EmailSender`) uses `smtplib`; the mail's `Message-ID` derives from the
outbox message id, the same on every retry, so a duplicate after a crash can be
recognised.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from signoff.config import Settings
from signoff.db.session import Database
from signoff.notify.email_audience import (
    Review,
    account_user,
    approvers_of,
    display_name,
    event_actor,
    load_review,
    may_still_read,
    reachable,
)
from signoff.notify.email_render import environment, render
from signoff.notify.handlers import FollowUp, GiveUp, Handler, Message
from signoff.notify.smtp import send_mail
from signoff.outbound.smtp_url import SmtpServer
from signoff.queries.audience import (
    current_approvers,
    recorded_recipients,
    undecided_approvers,
)

logger = logging.getLogger(__name__)

SEND_KIND = "email.send"
MESSAGE_ID_HEADER = "X-Signoff-Message-Id"
EVENT_HEADER = "X-Signoff-Event"
REQUESTED = ("approval.submitted", "approval.step_started", "approval.rereview_opened")
COMPLETED = ("approval.approved", "approval.rejected")
LAPSED = ("approval.stale", "approval.expired")
REMINDER = "approval.reminder"
OVERRIDDEN = "approval.overridden"
REREVIEW_REMINDER = "approval.rereview_reminder"
EMAIL_EVENTS = (
    *REQUESTED,
    REMINDER,
    REREVIEW_REMINDER,
    "approval.decided",
    *COMPLETED,
    *LAPSED,
    OVERRIDDEN,
)

Recipients = list[tuple[int, str]]  # (user id, their part: "approver"/"submitter")


def fan_out_email(message: Message, db: Database) -> Sequence[FollowUp]:
    """One `email.send` per person who should hear about this review event."""
    request_id = message.payload.get("requestId")
    if message.kind not in EMAIL_EVENTS or not isinstance(request_id, int):
        return ()
    with db.read() as session:
        review = load_review(session, request_id)
        if review is None:
            return ()
        parts: dict[int, str] = {}
        for person, part in _recipients(session, message, review):
            parts.setdefault(person, part)  # a submitter who also approved: submitter
        actor_id = event_actor(session, message)
        people = reachable(
            session, parts, skip=actor_id, space_id=review.request.space_id
        )
        base = {
            "event": message.kind,
            "eventId": message.message_id,
            **review.facts(),
            **_event_facts(session, message, review, actor_id),
        }
    return [
        FollowUp(
            SEND_KIND,
            {
                **base,
                "role": parts[person.id],
                "recipientId": person.id,
                "to": {"address": person.address, "name": person.name},
            },
            message.space_id,
            key=f"email:{person.id}",
        )
        for person in people
    ]


def _recipients(session: Session, message: Message, review: Review) -> Recipients:
    request = review.request
    if message.kind in (*REQUESTED, REMINDER):
        if not review.notify_requests:
            return []
        asked = recorded_recipients(message.payload)
        if asked is None:  # recorded before events carried their recipients
            now_asked = (
                current_approvers(session, request)
                if message.kind in REQUESTED
                else undecided_approvers(session, request)
            )
            asked = sorted(now_asked)
        return [(person, "approver") for person in asked]
    if message.kind == OVERRIDDEN:
        return _overridden(message, review)
    if message.kind == REREVIEW_REMINDER:  # the owner's, whatever notify_status says
        return [(request.submitted_by, "submitter")]
    if not review.notify_status:
        return []
    submitter = [(request.submitted_by, "submitter")]
    if message.kind == "approval.decided":
        return submitter + _decided_for(session, message.payload)
    if message.kind in LAPSED:
        approvers = approvers_of(session, request.id)
        return submitter + [(person, "approver") for person in sorted(approvers)]
    return submitter


def _decided_for(session: Session, payload: dict[str, Any]) -> Recipients:
    """The seat holder a delegate decided for (`onBehalfOf`): their seat was used,
    so they hear of it as its approver."""
    account = payload.get("onBehalfOf")
    holder = account_user(session, account) if isinstance(account, str) else None
    return [(holder, "approver")] if holder is not None else []


def _overridden(message: Message, review: Review) -> Recipients:
    """The approvers an override went around, and the submitter: each under the
    workflow's switch for the mail they would otherwise have had."""
    skipped = recorded_recipients(message.payload) or []
    people = [(person, "approver") for person in skipped]
    if not review.notify_requests:
        people = []
    if review.notify_status:
        people.insert(0, (review.request.submitted_by, "submitter"))
    return people


def _event_facts(
    session: Session, message: Message, review: Review, actor_id: int | None
) -> dict[str, Any]:
    """What this event adds to the review's facts: who acted, and how."""
    payload, request = message.payload, review.request
    step = payload.get("step")
    opened = ("approval.submitted", "approval.rereview_opened")
    if step is None and message.kind in opened and request.steps:
        step = request.steps[0].name  # a submission asks for its first step
    template = {
        "approval.submitted": "approval_requested",
        "approval.step_started": "approval_requested",
        "approval.decided": "decision_made",
        "approval.stale": "approval_stale",
        "approval.expired": "approval_expired",
        OVERRIDDEN: "review_overridden",
        REMINDER: "approval_reminder",
        REREVIEW_REMINDER: "rereview_reminder",
        "approval.rereview_opened": "approval_requested",
    }.get(message.kind, "request_completed")
    return {
        "template": template,
        "actor": display_name(session, actor_id),
        "step": step,
        "decision": payload.get("decision"),
        "comment": payload.get("comment") or "",
        "outcome": message.kind.removeprefix("approval.")
        if message.kind in COMPLETED
        else payload.get("outcome"),
        "reason": payload.get("reason") or "",
        "currentVersion": payload.get("currentVersion"),
        "dueAt": payload.get("dueAt"),
        "overdue": bool(payload.get("overdue")),
    }


def email_fan_out(settings: Settings) -> Handler:
    """`fan_out_email` when a mail server is configured; otherwise a handler that
    queues nothing, so no undeliverable mail piles up in the outbox."""
    if settings.smtp_url:
        return fan_out_email

    def email_off(message: Message, db: Database) -> Sequence[FollowUp]:
        return ()

    return email_off


class EmailSender:
    """Sends `email.send` messages; the handler the worker calls for that kind."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        tls: ssl.SSLContext | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.server = SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
        self.mail_from = settings.mail_from
        self.base_url = settings.base_url
        self.clock = clock
        self.tls = tls
        self.timeout = timeout
        self.templates = environment()

    def __call__(self, message: Message, db: Database) -> Sequence[FollowUp]:
        if self.server is None:
            raise GiveUp("email is not configured (SIGNOFF_SMTP_URL)")
        if not self.still_wanted(message, db):
            logger.info(
                "email %s not sent: its recipient may no longer read the page",
                message.message_id,
            )
            return ()
        send_mail(
            self.server, self.compose(message), tls=self.tls, timeout=self.timeout
        )
        return ()

    def still_wanted(self, message: Message, db: Database) -> bool:
        """Whether the recipient may still read the page; mails queued before they
        carried `recipientId` go as they were addressed."""
        recipient = message.payload.get("recipientId")
        page = message.payload.get("page")
        page_id = page.get("id") if isinstance(page, dict) else None
        if not isinstance(recipient, int) or not isinstance(page_id, int):
            return True
        with db.read() as session:
            return may_still_read(session, recipient, page_id)

    def compose(self, message: Message) -> EmailMessage:
        payload = message.payload
        rendered = render(self.templates, payload, self.base_url)
        mail = EmailMessage()
        mail["Subject"] = rendered.subject
        mail["From"] = self.mail_from
        to = payload["to"]
        mail["To"] = formataddr((to["name"], to["address"]))
        mail["Date"] = format_datetime(self.clock())
        mail["Message-ID"] = self.mail_id(message.message_id)
        mail[MESSAGE_ID_HEADER] = message.message_id
        mail[EVENT_HEADER] = str(payload.get("event", ""))
        # RFC 3834: automatic mail; well-behaved responders do not answer it.
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        return mail

    def mail_id(self, message_id: str) -> str:
        """`<outbox-id@domain>`: the same for every retry of one message."""
        sender = parseaddr(self.mail_from)[1]
        domain = sender.rpartition("@")[2] or urlsplit(self.base_url).hostname
        return f"<{message_id}@{domain or 'signoff'}>"


def email_handlers(
    settings: Settings,
    clock: Callable[[], datetime],
) -> tuple[Handler, EmailSender]:
    """The fan-out handler (for the events) and the sender (for `email.send`)."""
    return email_fan_out(settings), EmailSender(settings, clock)


__all__ = [
    "EMAIL_EVENTS",
    "MESSAGE_ID_HEADER",
    "SEND_KIND",
    "EmailSender",
    "email_fan_out",
    "email_handlers",
    "fan_out_email",
]
