"""The events other systems may subscribe to, as webhooks carry them.

Each is an audit action that the engine also queues in the outbox; the names are
part of the public contract, so they only ever grow.
"""

from __future__ import annotations

from signoff.domain.errors import BadInput

WEBHOOK_EVENTS: dict[str, str] = {
    "approval.submitted": "A page version was submitted for approval.",
    "approval.step_started": "A review moved on to its next step.",
    "approval.decided": "An approver approved or rejected.",
    "approval.step_completed": "A step of a review passed.",
    "approval.approved": "A review finished approved.",
    "approval.rejected": "A review finished rejected.",
    "approval.cancelled": "A review was withdrawn.",
    "approval.superseded": "An edit during review superseded it.",
    "approval.stale": "An approved page changed: its approval is stale.",
    "approval.reset": "A space admin reset a page's approval to draft.",
    "approval.expired": "An approval reached the end of its validity (validForDays).",
    "approval.reminder": "A step is due within a day, or overdue.",
    "approval.overridden": "A space admin forced a review approved or rejected.",
    "space.member_added": "Someone was given a role in the space.",
}
ALL_EVENTS = "*"
MAX_EVENTS = len(WEBHOOK_EVENTS)


def check_event_selection(events: list[str]) -> list[str]:
    """The chosen event names, deduplicated in order; `["*"]` means every event."""
    chosen = list(dict.fromkeys(event.strip() for event in events))
    if not chosen:
        raise BadInput("Choose at least one event, or * for all.", field="events")
    if ALL_EVENTS in chosen:
        if len(chosen) > 1:
            raise BadInput("* already means every event.", field="events")
        return chosen
    unknown = [event for event in chosen if event not in WEBHOOK_EVENTS]
    if unknown:
        raise BadInput(
            f"Unknown event {unknown[0]!r}; known: {', '.join(WEBHOOK_EVENTS)}.",
            field="events",
        )
    return chosen


def wants(selection: list[str], event: str) -> bool:
    """Whether a subscription with `selection` receives `event`."""
    return event in selection or (ALL_EVENTS in selection and event in WEBHOOK_EVENTS)
