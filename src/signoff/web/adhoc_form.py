"""The page view's ad-hoc form: posted fields to an ask, a pending ask to fields.

Fields are kept as typed, so a refused form is shown again as it was sent. Only
their shape is checked here (a number, a date); what makes an ask sound (a quorum
no larger than the people named, a last day not past) is the domain's rule, and
its refusals name the field by the label people see on the form
(`web.field_labels.for_people`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from signoff.domain.adhoc import DEFAULT_TITLE, AdhocAsk
from signoff.domain.errors import BadInput
from signoff.queries.adhoc_asks import PendingAsk
from signoff.web.forms import FormValues, first


@dataclass
class AskFields:
    """The form as shown: ids as ticked, text as typed."""

    member_ids: list[int] = field(default_factory=list)
    quorum: str = "0"
    title: str = ""
    last_day: str = ""
    notify_requests: bool = True
    notify_status: bool = True

    @classmethod
    def from_pending(cls, pending: PendingAsk | None) -> AskFields:
        if pending is None:
            return cls()
        return cls(
            member_ids=list(pending.members),
            quorum=str(pending.quorum),
            title=pending.title,
            last_day=pending.expires_on.isoformat() if pending.expires_on else "",
            notify_requests=pending.notify_requests,
            notify_status=pending.notify_status,
        )

    @classmethod
    def from_form(cls, form: FormValues) -> AskFields:
        return cls(
            member_ids=_ids(form.get("member", [])),
            quorum=first(form, "quorum").strip(),
            title=first(form, "title"),
            last_day=first(form, "last_day").strip(),
            # Unticked boxes are not posted at all: absent means off.
            notify_requests=bool(first(form, "notify_requests")),
            notify_status=bool(first(form, "notify_status")),
        )

    def ask(self) -> AdhocAsk:
        """The ask these fields make; a blank title is the default one."""
        return AdhocAsk(
            members=tuple(self.member_ids),
            quorum=_quorum(self.quorum),
            title=self.title.strip() or DEFAULT_TITLE,
            expires_on=_day(self.last_day),
            notify_requests=self.notify_requests,
            notify_status=self.notify_status,
        )


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise BadInput("Choose the people from the list.", field="members")
        ids.append(int(value))
    return ids


def _quorum(value: str) -> int:
    if not value:
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 3:
        raise BadInput(
            "Give a whole number: 0 means everyone asked must approve.",
            field="quorumSize",
        )
    return int(value)


def _day(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            "Give a date as YYYY-MM-DD, or leave it blank.", field="expiryDate"
        ) from None
