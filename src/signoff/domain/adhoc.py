"""Ad-hoc approvals: an editor asks named people to approve a page's current version.

No space admin defines the review: the request says who (`members`), how many must
approve (`quorum`, 0 for everyone), an optional last day, and whether to email. It
runs as one more review under every usual rule. A space says where editors may ask
(`AdhocMode`); an ad-hoc request never gets around a workflow that governs the page:
where one does and the space allows it, its steps run first and the named people
approve last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from signoff.domain.states import Rule

MAX_MEMBERS = 50
MAX_TITLE = 200
DEFAULT_TITLE = "Ad-hoc approval"
STEP_NAME = "Requested approvers"


class AdhocMode(StrEnum):
    """Where a space lets editors ask for ad-hoc approvals."""

    off = "off"
    """Nowhere: every review runs under a workflow a space admin defined."""
    unassigned = "unassigned"
    """On pages no workflow governs (no assignment, no space default, no single
    active workflow)."""
    any = "any"
    """On every page; where a workflow governs the page, its steps run first."""


@dataclass(frozen=True)
class AdhocAsk:
    """What an ad-hoc request asks for. `members` are user ids, in the order given."""

    members: tuple[int, ...]
    quorum: int = 0
    title: str = DEFAULT_TITLE
    expires_on: date | None = None
    notify_requests: bool = True
    notify_status: bool = True


def ask_problem(ask: AdhocAsk, *, today: date) -> tuple[str, str] | None:
    """What is wrong with `ask` on its own, as (field, sentence); None when nothing."""
    if not ask.members:
        return "members", "Name at least one person to approve."
    if len(ask.members) > MAX_MEMBERS:
        return "members", f"Name at most {MAX_MEMBERS} people to approve."
    if len(set(ask.members)) != len(ask.members):
        return "members", "Name each person once."
    if not 0 <= ask.quorum <= len(ask.members):
        return (
            "quorumSize",
            f"The quorum must be 0 (everyone) to {len(ask.members)} "
            f"(the number of people named).",
        )
    if not ask.title.strip() or len(ask.title) > MAX_TITLE:
        return "title", f"The title must be 1 to {MAX_TITLE} characters."
    if ask.expires_on is not None and ask.expires_on < today:
        return "expiryDate", "The expiry date must be today or later."
    return None


def adhoc_rule(quorum: int, member_count: int) -> tuple[Rule, int | None]:
    """The step rule of an ask: 0 (or everyone) is `all`, else a quorum of n."""
    if quorum == 0 or quorum >= member_count:
        return Rule.all, None
    return Rule.quorum, quorum


def ask_quorum(rule: Rule, quorum: int | None) -> int:
    """The quorum a step rule answers to an ad-hoc client: 0 means everyone."""
    if rule is Rule.all:
        return 0
    if rule is Rule.any:
        return 1
    return quorum or 1


def expiry_moment(day: date | None) -> datetime | None:
    """When a request whose last day is `day` lapses: the end of that day, UTC."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def last_day(moment: datetime | None) -> date | None:
    """The last day a request lapsing at `moment` stays open (`expiry_moment`'s
    inverse), for a form that shows the ask again."""
    if moment is None:
        return None
    return (moment - timedelta(days=1)).date()


def mode_refusal(
    mode: AdhocMode, *, space_key: str, governing: str | None
) -> str | None:
    """Why the space does not let an ad-hoc request be made on a page, if it does not.

    `governing` names the workflow that governs the page, if one does.
    """
    if mode is AdhocMode.off:
        return f"Ad-hoc approvals are switched off in space {space_key}."
    if mode is AdhocMode.unassigned and governing is not None:
        return (
            f"Space {space_key} allows ad-hoc approvals only on pages no workflow "
            f"governs; this page is reviewed under '{governing}': submit it instead."
        )
    return None
