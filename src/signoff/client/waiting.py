"""Poll a change set until its rollup reaches a state, is rejected, or time runs out.

Polls back off (`Backoff`) so a long review costs few requests; a 429 or 503 waits
what its `Retry-After` asks. The deadline is never overshot by a sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from signoff.client.approvals import Approvals
from signoff.client.backoff import Backoff
from signoff.client.connection import RETRYABLE, Json
from signoff.client.errors import ApiError

REJECTED = "has_rejections"
ARCHIVED = "archived"
# Rollup states a review passes through in order; waiting for one is also done when
# the set has gone past it (a set may go from in_review to all_approved at once).
PROGRESS = ("in_review", "partially_approved", "all_approved")


class Outcome(StrEnum):
    reached = "reached"
    rejected = "rejected"
    archived = "archived"
    timed_out = "timed_out"


@dataclass(frozen=True)
class Rejection:
    page_id: str
    title: str
    version: int | None
    by: str
    comment: str


@dataclass
class WaitResult:
    outcome: Outcome
    change_set: Json
    polls: int
    waited: float
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def state(self) -> str:
        return str(self.change_set.get("rollupState", "unknown"))


@dataclass
class Waiter:
    approvals: Approvals
    backoff: Backoff
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_poll: Callable[[Json, float], None] = lambda _change_set, _left: None

    def wait(self, change_set_id: str, until: str, timeout: float) -> WaitResult:
        started = self.clock()
        deadline = started + timeout
        delays = self.backoff.delays()
        polls = 0
        change_set: Json = {}
        while True:
            pause = next(delays)
            try:
                change_set = self.approvals.change_set(change_set_id)
                polls += 1
            except ApiError as error:
                if error.status not in RETRYABLE:
                    raise
                pause = error.retry_after if error.retry_after is not None else pause
            else:
                outcome = _settled(change_set, until)
                if outcome is not None:
                    rejections = (
                        self.rejections(change_set)
                        if outcome is Outcome.rejected
                        else []
                    )
                    return WaitResult(
                        outcome, change_set, polls, self.clock() - started, rejections
                    )
                self.on_poll(change_set, max(0.0, deadline - self.clock()))
            left = deadline - self.clock()
            if left <= 0:
                return WaitResult(
                    Outcome.timed_out, change_set, polls, self.clock() - started
                )
            self.sleep(min(pause, left))

    def rejections(self, change_set: Json) -> list[Rejection]:
        """Who rejected which page and why, from each rejected page's status."""
        found: list[Rejection] = []
        for ref in change_set.get("pageRefs") or []:
            if ref.get("approvalStatus") != "rejected":
                continue
            status = self.approvals.page_status(str(ref["pageId"]))
            found.extend(page_rejections(status))
        return found


def _settled(change_set: Json, until: str) -> Outcome | None:
    state = change_set.get("rollupState")
    if state == until or (
        state in PROGRESS
        and until in PROGRESS
        and PROGRESS.index(state) >= PROGRESS.index(until)
    ):
        return Outcome.reached
    if state == REJECTED:
        return Outcome.rejected
    if change_set.get("status") == ARCHIVED:
        return Outcome.archived
    return None


def page_rejections(status: Json) -> list[Rejection]:
    request = status.get("request") or {}
    found: list[Rejection] = []
    for step in request.get("steps") or []:
        names = {
            str(person.get("accountId")): str(person.get("displayName"))
            for person in step.get("approvers") or []
        }
        for decision in step.get("decisions") or []:
            if not str(decision.get("decision", "")).startswith("reject"):
                continue
            account = str(decision.get("accountId"))
            found.append(
                Rejection(
                    page_id=str(status.get("pageId")),
                    title=str(status.get("title", "")),
                    version=decision.get("version"),
                    by=names.get(account, account),
                    comment=str(decision.get("comment") or ""),
                )
            )
    return found
