"""A plain-Python model of pages, reviews and change sets, for the state machine.

It restates the rules of DESIGN.md (seats and rules, version awareness, preflight
reasons, rollup precedence) without the product's code, so the machine can predict
every answer the API gives and what each page's status must read afterwards. Time is
a tick counted per event: a change set counts a page's reviews from the tick it
joined, as the product does from the moment.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import StrEnum

APPROVE, REJECT = "approve", "reject"
PENDING = "pending"
TICKS = itertools.count(1)  # one tick per submission or page joining a set


class Refusal(StrEnum):
    """Why the model expects the product to refuse a submission."""

    no_permission = "no_permission"
    ambiguous_workflow = "ambiguous_workflow"
    no_workflow = "no_workflow"
    already_pending = "already_pending"
    already_approved = "already_approved"
    no_eligible_approver = "no_eligible_approver"


@dataclass(frozen=True)
class StepDef:
    name: str
    rule: str  # "all" | "any" | "quorum"
    approvers: tuple[str, ...]  # user names, one seat each
    quorum: int | None = None
    min_rejections: int = 1

    def is_met(self, approvers: set[str]) -> bool:
        named = approvers & set(self.approvers)
        if self.rule == "all":
            return named == set(self.approvers)
        return len(named) >= (1 if self.rule == "any" else self.quorum or 1)


@dataclass(frozen=True)
class WorkflowDef:
    name: str
    steps: tuple[StepDef, ...]
    stale_on: str  # "content" | "version"
    expire_on_edit: bool = True
    allow_override: bool = True


@dataclass(frozen=True)
class Version:
    number: int
    body: str  # the title never changes, so the body alone decides "same content"
    author: str


def same_content(a: Version, b: Version, stale_on: str) -> bool:
    """Whether a decision on `a` also covers `b` under the workflow's rule."""
    return a.number == b.number or (stale_on == "content" and a.body == b.body)


def step_outcome(step: StepDef, decided: dict[str, str], excluded: set[str]) -> str:
    """`open`, `approved` or `rejected`: rejections first, then the rule, then
    whether the people who have not decided could still meet it."""
    eligible = set(step.approvers) - excluded
    approvals = {who for who, kind in decided.items() if kind == APPROVE}
    if len(decided) - len(approvals) >= step.min_rejections:
        return "rejected"
    if step.is_met(approvals):
        return "approved"
    if not step.is_met(approvals | (eligible - set(decided))):
        return "rejected"
    return "open"


@dataclass
class Request:
    workflow: WorkflowDef
    version: Version
    submitter: str
    authors: frozenset[str] = frozenset()  # of every version under review
    status: str = PENDING
    current: int | None = 0
    decisions: list[dict[str, tuple[str, int]]] = field(default_factory=list)
    step_status: list[str] = field(default_factory=list)
    submitted: int = field(default_factory=lambda: next(TICKS))
    overridden: bool = False  # a space admin forced its outcome

    def __post_init__(self) -> None:
        count = len(self.workflow.steps)
        self.decisions = [{} for _ in range(count)]
        self.step_status = ["active"] + ["waiting"] * (count - 1)

    @property
    def excluded(self) -> set[str]:
        return {self.submitter, *self.authors}

    def close(self, status: str) -> None:
        self.status, self.current = status, None
        self.step_status = [
            "skipped" if s in ("active", "waiting") else s for s in self.step_status
        ]


@dataclass
class PageModel:
    id: int
    title: str
    workflow: WorkflowDef | None
    versions: list[Version]
    latest: Request | None = None
    approved: Request | None = None

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def approval_status(self) -> str:
        """The latest review's status, except that an approval which still covers the
        current version reads `approved` whatever closed review came after it."""
        return self.status_from(self.latest, self.approved)

    def status_from(self, latest: Request | None, approved: Request | None) -> str:
        if latest is not None and latest.status == PENDING:
            return PENDING
        if approved is not None and not self.stale_from(approved):
            return "approved"
        return latest.status if latest else "none"

    def stale_from(self, approved: Request | None) -> bool:
        if approved is None:
            return False
        at, now = approved.version, self.current
        return now.number > at.number and not same_content(
            at, now, approved.workflow.stale_on
        )

    def in_set(self, joined: int) -> tuple[str, bool]:
        """(status, stale) as a change set the page joined at tick `joined` reads it:
        reviews since then, a pending one, and an approval still covering the page."""
        latest = self.latest
        if (
            latest is not None
            and latest.status != PENDING
            and latest.submitted < joined
        ):
            latest = None
        approved = self.approved
        if approved is not None and approved.submitted < joined:
            approved = None if self.stale_from(approved) else approved
        return self.status_from(latest, approved), self.stale_from(approved)

    @property
    def is_stale(self) -> bool:
        return self.stale_from(self.approved)

    @property
    def version_delta(self) -> int:
        return (
            self.current.number - self.approved.version.number if self.approved else 0
        )

    def authors_under_review(self, submitted: Version) -> frozenset[str]:
        """Who wrote the versions after the one the last approval covered (after none,
        if there was none), up to the submitted one, which is always among them."""
        covered = self.approved.version.number if self.approved else 0
        first = min(covered, submitted.number - 1)
        return frozenset(v.author for v in self.versions[first : submitted.number])

    def edit(self, body: str, author: str) -> tuple[bool, bool]:
        """Save a new version; (superseded a review, made the approval stale)."""
        was_stale = self.is_stale
        new = Version(self.current.number + 1, body, author)
        self.versions.append(new)
        latest = self.latest
        superseded = (
            latest is not None
            and latest.status == PENDING
            and latest.workflow.expire_on_edit
            and not same_content(latest.version, new, latest.workflow.stale_on)
        )
        if superseded:
            assert latest is not None
            latest.close("superseded")
        return superseded, not was_stale and self.is_stale

    def refusal(
        self, actor: str, role: str, *, strict: bool
    ) -> tuple[Refusal, str] | None:
        """The first reason the product must give for refusing a submission, with the
        step that no one may pass for `no_eligible_approver`.

        Several workflows are active in every space, so a page without its own has
        none: the strict single-page submit calls that ambiguous.
        """
        checks = (
            (role == "viewer", Refusal.no_permission),
            (strict and self.workflow is None, Refusal.ambiguous_workflow),
            (self.workflow is None, Refusal.no_workflow),
            (self.approval_status == PENDING, Refusal.already_pending),
            (self.approved is not None and not self.is_stale, Refusal.already_approved),
        )
        for failed, refusal in checks:
            if failed:
                return refusal, ""
        assert self.workflow is not None
        excluded = {actor, *self.authors_under_review(self.current)}
        for step in self.workflow.steps:
            if not step.is_met(set(step.approvers) - excluded):
                return Refusal.no_eligible_approver, step.name
        return None

    def submit(self, actor: str) -> Request:
        assert self.workflow is not None
        authors = self.authors_under_review(self.current)
        self.latest = Request(self.workflow, self.current, actor, authors)
        return self.latest

    def version(self, number: int) -> Version | None:
        return self.versions[number - 1] if 1 <= number <= len(self.versions) else None

    def decide(self, actor: str, kind: str, number: int) -> tuple[int, list[str]]:
        """The HTTP status the product must answer and the audit actions it writes."""
        request = self.latest
        if request is None or request.status != PENDING:
            return 409, []
        named = self.version(number)
        covered = named is not None and same_content(
            request.version, named, request.workflow.stale_on
        )
        if not covered:
            return 409, []
        assert request.current is not None
        step = request.workflow.steps[request.current]
        if actor not in step.approvers or actor in request.excluded:
            return 403, ["auth.denied"]
        decided = request.decisions[request.current]
        if actor in decided:
            return 409, []
        decided[actor] = (kind, number)
        kinds = {who: what for who, (what, _) in decided.items()}
        return 200, ["approval.decided", *self._advance(request, step, kinds)]

    def _advance(
        self, request: Request, step: StepDef, decided: dict[str, str]
    ) -> list[str]:
        outcome = step_outcome(step, decided, request.excluded)
        if outcome == "open":
            return []
        assert request.current is not None
        index = request.current
        request.step_status[index] = outcome
        if outcome == "rejected":
            request.close("rejected")
            return ["approval.step_completed", "approval.rejected"]
        if index + 1 < len(request.workflow.steps):
            request.current = index + 1
            request.step_status[index + 1] = "active"
            return ["approval.step_completed"]
        request.close("approved")
        self.approved = request
        return ["approval.step_completed", "approval.approved"]

    def waiting_on(self) -> list[str]:
        """Who may still decide on the pending review's current step."""
        request = self.latest
        if request is None or request.status != PENDING or request.current is None:
            return []
        step = request.workflow.steps[request.current]
        decided = request.decisions[request.current]
        return [
            who
            for who in step.approvers
            if who not in request.excluded and who not in decided
        ]

    def override(
        self, actor: str, is_admin: bool, kind: str, number: int, reason: str
    ) -> tuple[int, list[str]]:
        """A space admin forces the pending review's outcome: refused below admin,
        with nothing pending, where the workflow forbids it, on the admin's own
        content, without a reason, or naming another version, in that order."""
        if not is_admin:
            return 403, ["auth.denied"]
        request = self.latest
        if request is None or request.status != PENDING:
            return 409, []
        if not request.workflow.allow_override:
            return 409, []
        if actor in request.excluded:
            return 403, ["auth.denied"]
        if not reason.strip():
            return 400, []
        named = self.version(number)
        if named is None or not same_content(
            request.version, named, request.workflow.stale_on
        ):
            return 409, []
        request.close("approved" if kind == APPROVE else "rejected")
        request.overridden = True
        if kind == APPROVE:
            self.approved = request
        return 200, ["approval.overridden"]

    def cancel(self, actor: str, is_admin: bool) -> tuple[int, list[str]]:
        request = self.latest
        if request is None or request.status != PENDING:
            return 409, []
        if actor != request.submitter and not is_admin:
            return 403, ["auth.denied"]
        request.close("cancelled")
        return 200, ["approval.cancelled"]


@dataclass
class ChangeSetModel:
    id: int
    title: str
    summary: str
    reference_url: str | None
    page_ids: list[int]
    archived: bool = False
    joined: dict[int, int] = field(default_factory=dict)
    """The tick each page joined at; a page kept through an edit keeps its own."""

    def __post_init__(self) -> None:
        self.list_pages(self.page_ids)

    def list_pages(self, page_ids: list[int]) -> None:
        now = next(TICKS)
        self.joined = {page: self.joined.get(page, now) for page in page_ids}
        self.page_ids = page_ids


def rollup(pages: list[tuple[str, bool]]) -> str:
    """The change set's one word from its pages' (status, stale), in DESIGN.md's
    precedence."""
    statuses = [status for status, _ in pages]
    current = [status == "approved" and not stale for status, stale in pages]
    if all(status == "none" for status in statuses):
        return "open"
    if "rejected" in statuses:
        return "has_rejections"
    if any(status == "approved" and stale for status, stale in pages):
        return "stale"
    if all(current):
        return "all_approved"
    if any(current):
        return "partially_approved"
    return "in_review"


# The cast every example starts from: one admin, two editors (rae also approves, so
# she is sometimes the author or submitter a review must exclude), three viewers.
ROLES = {
    "ann": "admin",
    "ed": "editor",
    "rae": "editor",
    "pat": "viewer",
    "quinn": "viewer",
    "vic": "viewer",  # named on no step: every decision of hers is refused
}
WORKFLOWS = (
    WorkflowDef(
        "Quorum review",
        (StepDef("Panel", "quorum", ("pat", "quinn", "rae"), 2, min_rejections=2),),
        stale_on="version",
    ),
    WorkflowDef(
        "Two-step review",
        (
            StepDef("Editorial", "any", ("pat", "quinn")),
            StepDef("Sign-off", "all", ("quinn", "rae")),
        ),
        stale_on="content",
    ),
    WorkflowDef(
        "Standing review",
        (StepDef("Owner", "any", ("pat", "rae")),),
        stale_on="version",
        expire_on_edit=False,
        allow_override=False,  # only its approvers decide
    ),
)
