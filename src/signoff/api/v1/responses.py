"""What `/api/v1` answers: one model per shape, each with an example.

The models are the shape itself: handlers build them from the queries' typed values
(`api/v1/shapes/`) and `calls.render` writes them, camelCase keys by alias. Fields
take the values as the queries hold them (ints, datetimes, the domain's enums) and
write them as the contract does: ids as strings of digits, times in UTC with `Z`,
enums by value. The same models describe the responses in the OpenAPI document, so
what is documented is what is sent. `documented()` builds a route's `responses=`:
the success model and every error status it can send. FastAPI drops null values from
the published document, so examples avoid them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from signoff.domain.adhoc import AdhocMode
from signoff.domain.states import (
    ApprovalStatus,
    ChangeSetStatus,
    DecisionKind,
    Origin,
    RequestStatus,
    Role,
    RollupState,
    Rule,
    StaleOn,
    StepStatus,
)

IdText = Annotated[
    int,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]+$", "examples": ["101"]}),
]
"""An object's id, written as a string of digits (as the reference product does)."""
PageIdText = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]+$", "examples": ["101", "2654210049"]}
    ),
]
"""A page's id as clients name it, already text (`queries.page_refs`): the Confluence
page id of a page from Confluence."""


def page_id_field() -> Any:
    """`pageId`, filled from a read model's `public_id`: a page is never shown by an
    id that does not name it from outside."""
    return Field(alias="pageId")


Moment = Annotated[
    datetime,
    WithJsonSchema({"type": "string", "description": "UTC, ISO 8601 with `Z`"}),
]
"""A time as pydantic writes an aware datetime: ISO 8601, microseconds when there are
any, `Z` for UTC (the queries' times all are); the same text as `utc_text`."""
Day = Annotated[date, WithJsonSchema({"type": "string"})]
"""A date, written `YYYY-MM-DD`."""


def _absent(value: object) -> bool:
    return value is None


def left_out_if_none() -> Any:
    """A field the answer carries only when it applies (is not None)."""
    return Field(default=None, exclude_if=_absent)


ALICE, BOB, CAROL = (
    "5f9c2b7e1a4d3c8b6e0f2a19",
    "8d1e0c3a9b7f6e5d4c3b2a10",
    "2b4d6f8a0c1e3a5c7e9b1d3f",
)
AT = "2026-01-05T09:00:00Z"


def _with_example(schema: JsonDict, model: type[Any]) -> None:
    example = model.__dict__.get("example")
    if example is not None:
        schema["examples"] = [example]


class ApiModel(BaseModel):
    """camelCase keys, nothing undeclared; `example` (if set) is shown in the docs.

    Built by field name, from keywords or from a read model's attributes of the same
    names (`of(view)`); written by alias.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        from_attributes=True,
        extra="forbid",
        json_schema_extra=_with_example,
    )
    example: ClassVar[JsonDict | None] = None

    @classmethod
    def of(cls, view: object) -> Self:
        """The model built from `view`'s attributes (or keys) of the same names, as a
        read model holds them. By name only: trying each camelCase alias first would
        cost a failed attribute lookup per field."""
        return cls.model_validate(view, by_alias=False, by_name=True)


def plain(model: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """A model as JSON values under its camelCase keys: what the API writes, and what
    a `--json` command prints for the same object. `exclude` names fields (by their
    Python names) to leave out, such as an envelope's `success`."""
    return model.model_dump(mode="json", by_alias=True, exclude=exclude)


class Envelope(ApiModel):
    success: Literal[True]


class ErrorBody(ApiModel):
    success: Literal[False]
    error: str = Field(description="What went wrong, for a person.")
    example = {"success": False, "error": "pageId is required."}


# --- change sets -------------------------------------------------------------------


class PageFacts(ApiModel):
    public_id: PageIdText = page_id_field()
    title: str
    current_page_version: int
    approved_at_version: int | None
    is_stale: bool
    version_delta: int
    approval_status: ApprovalStatus


class PageIdOnly(ApiModel):
    public_id: PageIdText = page_id_field()


class _ChangeSetFields(ApiModel):
    id: IdText
    space_id: IdText
    title: str
    summary: str
    reference_url: str | None
    status: ChangeSetStatus
    rollup_state: RollupState
    created_at: Moment
    created_by: str | None = Field(description="accountId of the creator")


class ChangeSetSummary(_ChangeSetFields):
    page_refs: list[PageIdOnly]


class ChangeSetDetail(_ChangeSetFields):
    page_refs: list[PageFacts]


_FACTS: JsonDict = {
    "pageId": "101",
    "title": "Install guide",
    "currentPageVersion": 3,
    "approvedAtVersion": 2,
    "isStale": True,
    "versionDelta": 1,
    "approvalStatus": "approved",
}
_CHANGE_SET: JsonDict = {
    "id": "7",
    "spaceId": "10",
    "title": "Release 2.0 documentation",
    "summary": "Docs for 2.0",
    "referenceUrl": "https://git.example.com/pr/42",
    "status": "open",
    "rollupState": "stale",
    "createdAt": AT,
    "createdBy": BOB,
}


class ChangeSetList(Envelope):
    change_sets: list[ChangeSetSummary]
    example = {
        "success": True,
        "changeSets": [{**_CHANGE_SET, "pageRefs": [{"pageId": "101"}]}],
    }


class ChangeSetOne(Envelope):
    change_set: ChangeSetDetail
    example = {"success": True, "changeSet": {**_CHANGE_SET, "pageRefs": [_FACTS]}}


class SubmitResult(ApiModel):
    """`workflowId`, `requestId` and `reason` appear only when they apply."""

    public_id: PageIdText = page_id_field()
    success: bool
    workflow_id: IdText | None = left_out_if_none()
    request_id: IdText | None = left_out_if_none()
    reason: str | None = left_out_if_none()


class ChangeSetSubmitted(Envelope):
    submitted_count: int
    skipped_count: int
    results: list[SubmitResult]
    example = {
        "success": True,
        "submittedCount": 1,
        "skippedCount": 1,
        "results": [
            {"pageId": "101", "success": True, "workflowId": "3", "requestId": "55"},
            {"pageId": "102", "success": False, "reason": "No workflow assigned"},
        ],
    }


class DecideResult(ApiModel):
    """`version` (what was decided on) or `reason` (why nothing was)."""

    public_id: PageIdText = page_id_field()
    success: bool
    version: int | None = left_out_if_none()
    reason: str | None = left_out_if_none()


class ChangeSetDecided(Envelope):
    decided_count: int
    skipped_count: int
    results: list[DecideResult]
    example = {
        "success": True,
        "decidedCount": 1,
        "skippedCount": 1,
        "results": [
            {"pageId": "101", "success": True, "version": 2},
            {
                "pageId": "102",
                "success": False,
                "reason": "You are not an approver of the current step.",
            },
        ],
    }


class PreflightResult(ApiModel):
    public_id: PageIdText = page_id_field()
    can_submit: bool
    workflow_id: IdText | None = left_out_if_none()
    reason: str | None = left_out_if_none()


class PreflightSummary(ApiModel):
    total: int
    submittable: int
    blocked: int


class ChangeSetPreflight(Envelope):
    summary: PreflightSummary
    results: list[PreflightResult]
    example = {
        "success": True,
        "summary": {"total": 2, "submittable": 1, "blocked": 1},
        "results": [
            {"pageId": "101", "canSubmit": True, "workflowId": "3"},
            {"pageId": "102", "canSubmit": False, "reason": "No workflow assigned"},
        ],
    }


# --- pages -------------------------------------------------------------------------


class Person(ApiModel):
    account_id: str
    display_name: str


class GroupRef(ApiModel):
    id: IdText
    name: str


class DecisionOut(ApiModel):
    account_id: str
    decision: DecisionKind
    comment: str | None
    version: int
    at: Moment
    origin: Origin
    on_behalf_of: Person | None = Field(
        default=None,
        description="The seat holder a delegate decided for (`accountId` is the "
        "delegate who acted); null for a decision made in one's own seat.",
    )


class StepOut(ApiModel):
    name: str
    rule: Rule
    quorum: int | None
    status: StepStatus
    approvers: list[Person]
    groups: list[GroupRef]
    decisions: list[DecisionOut]


class OverrideOut(ApiModel):
    """A space admin forced the review's outcome (its `status`), going around its
    approvers."""

    account_id: str
    display_name: str
    reason: str
    at: Moment


class RequestOut(ApiModel):
    id: IdText
    version: int
    status: RequestStatus
    workflow_id: IdText
    submitted_by: str = Field(description="accountId of the submitter")
    origin: Origin
    created_at: Moment
    steps: list[StepOut]
    override: OverrideOut | None = Field(
        default=None, description="Who overrode the review and why; null when none."
    )


_REQUEST: JsonDict = {
    "id": "55",
    "version": 3,
    "status": "pending",
    "workflowId": "3",
    "submittedBy": BOB,
    "origin": "api",
    "createdAt": AT,
    "steps": [
        {
            "name": "Review",
            "rule": "quorum",
            "quorum": 1,
            "status": "active",
            "approvers": [
                {"accountId": CAROL, "displayName": "Carol"},
                {"accountId": ALICE, "displayName": "Alice"},
            ],
            "groups": [{"id": "4", "name": "legal"}],
            "decisions": [],
        }
    ],
}


class SourceOut(ApiModel):
    """Where a page kept outside Signoff lives (a Confluence page), and as of when
    Signoff has read it: `syncedAt` is the last pass over its space."""

    system: str
    url: str | None
    synced_at: Moment | None


class ClaimOut(ApiModel):
    """An approver's live claim on the review ("I'm reviewing this"): advisory, it
    stops nobody from deciding."""

    account_id: str
    display_name: str
    expires_at: Moment


class PageStatus(Envelope):
    public_id: PageIdText = page_id_field()
    title: str
    current_page_version: int
    approval_status: ApprovalStatus
    approved_at_version: int | None
    is_stale: bool
    version_delta: int
    request: RequestOut | None
    source: SourceOut | None = left_out_if_none()
    """Only for pages kept outside Signoff."""
    claim: ClaimOut | None = Field(
        default=None,
        description="Who has claimed the pending review, until when; null when "
        "nobody has",
    )
    rereview_due_at: Moment | None = Field(
        default=None,
        description="When the approval the page stands on is due for periodic "
        "re-review (the approval stays; a new review opens then); null when none",
    )
    example = {
        "success": True,
        "pageId": "101",
        "title": "Install guide",
        "currentPageVersion": 3,
        "approvalStatus": "pending",
        "approvedAtVersion": 2,
        "isStale": True,
        "versionDelta": 1,
        "request": _REQUEST,
    }


class PageSubmitted(Envelope):
    request: RequestOut
    example = {"success": True, "request": _REQUEST}


class ApprovalAsked(Envelope):
    request: RequestOut
    created: bool = Field(
        description="True when the request was made now; false when the pending "
        "ad-hoc request of the current version was changed"
    )
    example = {"success": True, "request": _REQUEST, "created": True}


class PagePreflight(Envelope):
    can_submit: bool
    workflow_id: IdText | None = left_out_if_none()
    reason: str | None = left_out_if_none()
    example = {"success": True, "canSubmit": False, "reason": "No workflow assigned"}


# --- spaces ------------------------------------------------------------------------


class SpaceWithRole(ApiModel):
    id: IdText
    key: str
    name: str
    role: Role = Field(description="The caller's role in the space")
    adhoc_approvals: AdhocMode = Field(
        description="Where editors may ask named people to approve a page: "
        "off, unassigned (pages no workflow governs) or any"
    )


_SPACE: JsonDict = {
    "id": "10",
    "key": "DOCS",
    "name": "Documentation",
    "role": "admin",
    "adhocApprovals": "unassigned",
}


class SpaceWithRoleList(Envelope):
    spaces: list[SpaceWithRole]
    example = {"success": True, "spaces": [_SPACE]}


class SpaceOne(Envelope):
    space: SpaceWithRole
    example = {"success": True, "space": _SPACE}


class MemberOut(ApiModel):
    space_id: IdText
    account_id: str
    display_name: str
    role: Role | None = Field(description="null once the person was removed")


class MemberOne(Envelope):
    member: MemberOut
    example = {
        "success": True,
        "member": {
            "spaceId": "10",
            "accountId": CAROL,
            "displayName": "Carol",
            "role": "editor",
        },
    }


# --- workflows ---------------------------------------------------------------------


class WorkflowStepOut(ApiModel):
    name: str
    approvers: list[str] = Field(description="accountIds")
    groups: list[str] = Field(description="group names")
    rule: Rule
    quorum: int | None
    min_rejections: int
    due_days: int | None


class WorkflowOut(ApiModel):
    id: IdText
    space_id: IdText
    name: str
    active: bool
    revision: int
    space_default: bool
    steps: list[WorkflowStepOut]
    expire_on_edit: bool
    stale_on: StaleOn
    allow_self_approval: bool
    valid_for_days: int | None
    notify_requests: bool
    notify_status: bool
    created_at: Moment
    updated_at: Moment
    allow_override: bool
    rereview_days: int | None = None


_WORKFLOW: JsonDict = {
    "id": "3",
    "spaceId": "10",
    "name": "Standard review",
    "active": True,
    "revision": 1,
    "spaceDefault": True,
    "steps": [
        {
            "name": "Review",
            "approvers": [CAROL],
            "groups": ["legal"],
            "rule": "quorum",
            "quorum": 2,
            "minRejections": 1,
            "dueDays": 3,
        }
    ],
    "expireOnEdit": True,
    "staleOn": "content",
    "allowSelfApproval": False,
    "validForDays": 365,
    "notifyRequests": True,
    "notifyStatus": True,
    "createdAt": AT,
    "updatedAt": AT,
    "allowOverride": True,
    "rereviewDays": None,
}


class WorkflowList(Envelope):
    workflows: list[WorkflowOut]
    example = {"success": True, "workflows": [_WORKFLOW]}


class WorkflowOne(Envelope):
    workflow: WorkflowOut
    example = {"success": True, "workflow": _WORKFLOW}


# --- queue -------------------------------------------------------------------------


class QueueItem(ApiModel):
    request_id: IdText
    public_id: PageIdText = page_id_field()
    title: str
    space_id: IdText
    version: int
    status: RequestStatus
    workflow_id: IdText
    workflow_name: str
    current_step: str | None
    submitted_by: str = Field(description="accountId of the submitter")
    created_at: Moment
    change_set_id: IdText | None
    due_at: Moment | None = Field(
        default=None, description="When the current step is due, if it has a due period"
    )
    claim: ClaimOut | None = Field(
        default=None,
        description="Who has claimed the pending review, until when; null when "
        "nobody has",
    )
    rereview_due_at: Moment | None = Field(
        default=None,
        description="When the approval the page stands on is due for periodic "
        "re-review; null when its workflow asks for none",
    )


class QueueCounts(ApiModel):
    waiting_for_me: int
    pending: int
    approved: int
    rejected: int
    stale: int
    expired: int = Field(
        description="approvals whose validity (the workflow's validForDays) lapsed"
    )


class QueuePage(Envelope):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="null on the last page")
    counts: QueueCounts
    example = {
        "success": True,
        "items": [
            {
                "requestId": "55",
                "pageId": "101",
                "title": "Install guide",
                "spaceId": "10",
                "version": 3,
                "status": "pending",
                "workflowId": "3",
                "workflowName": "Standard review",
                "currentStep": "Review",
                "submittedBy": BOB,
                "createdAt": AT,
                "changeSetId": "7",
            }
        ],
        "nextCursor": "cTE6NTU",
        "counts": {
            "waitingForMe": 1,
            "pending": 4,
            "approved": 12,
            "rejected": 1,
            "stale": 2,
            "expired": 1,
        },
    }


# --- audit and analytics -----------------------------------------------------------


class AuditEventOut(ApiModel):
    """Ids here are the engine's integers, as the hash covers them, but for the page:
    it is shown by the id clients know it by, as a number (its digits only for a
    Confluence page id beyond 2^53 - 1, which not every JSON reader holds exactly)."""

    id: int
    at: Moment
    space_id: int | None
    page_id: int | str | None = Field(
        json_schema_extra={"pattern": "^[0-9]+$"},
        description="The page as clients name it: its Confluence page id for a page "
        "from Confluence.",
    )
    page_version: int | None
    request_id: int | None
    change_set_id: int | None
    actor_id: int | None
    actor_name: str
    action: str = Field(examples=["approval.submitted"])
    origin: Origin
    client_id: str | None
    text: str
    details: dict[str, Any]
    hash: str


class AuditPage(Envelope):
    events: list[AuditEventOut]
    next_cursor: str | None = Field(description="null on the last page")
    example = {
        "success": True,
        "events": [
            {
                "id": 812,
                "at": AT,
                "spaceId": 10,
                "pageId": 101,
                "pageVersion": 3,
                "requestId": 55,
                "changeSetId": 7,
                "actorId": 2,
                "actorName": "Bob",
                "action": "approval.submitted",
                "origin": "api",
                "clientId": "pat:4",
                "text": "Bob submitted 'Install guide' version 3 for approval "
                "(Standard review). (via API)",
                "details": {"workflowId": 3, "workflow": "Standard review", "steps": 1},
                "hash": "9f2c" * 16,
            }
        ],
        "nextCursor": "812",
    }


class Totals(ApiModel):
    submitted: int
    approved: int
    rejected: int
    cancelled: int
    superseded: int
    pending: int
    overrides: int = Field(
        description="Reviews a space admin overrode in the range; each is also "
        "counted in approved or rejected, by the outcome forced."
    )


class TrendPoint(ApiModel):
    period: Day = Field(description="First day of the day or ISO week (Monday)")
    submitted: int
    approved: int
    rejected: int


class WorkflowCounts(ApiModel):
    workflow_id: IdText
    name: str
    submitted: int
    approved: int
    rejected: int
    pending: int


class Timing(ApiModel):
    median_hours_to_approve: float | None
    p90_hours_to_approve: float | None


class ApproverCounts(ApiModel):
    user_id: IdText
    name: str
    decisions: int = Field(description="Decisions recorded in the range")
    approvals: int
    rejections: int


class AnalyticsOut(Envelope):
    space_id: IdText
    start: Moment | None = Field(alias="from")
    end: Moment | None = Field(alias="to")
    interval: Literal["day", "week"]
    totals: Totals
    status_breakdown: dict[str, int]
    trend: list[TrendPoint]
    by_workflow: list[WorkflowCounts]
    timing: Timing
    busiest_approvers: list[ApproverCounts] = Field(
        description="Up to 10 people with the most decisions in the range, most first"
    )
    example = {
        "success": True,
        "spaceId": "10",
        "from": "2026-01-05T00:00:00Z",
        "to": "2026-01-07T00:00:00Z",
        "interval": "day",
        "totals": {
            "submitted": 3,
            "approved": 1,
            "rejected": 1,
            "cancelled": 0,
            "superseded": 0,
            "pending": 1,
            "overrides": 0,
        },
        "statusBreakdown": {
            "pending": 1,
            "approved": 1,
            "rejected": 1,
            "cancelled": 0,
            "superseded": 0,
            "expired": 0,
        },
        "trend": [
            {"period": "2026-01-05", "submitted": 2, "approved": 1, "rejected": 0},
            {"period": "2026-01-06", "submitted": 1, "approved": 0, "rejected": 1},
        ],
        "byWorkflow": [
            {
                "workflowId": "3",
                "name": "Standard review",
                "submitted": 3,
                "approved": 1,
                "rejected": 1,
                "pending": 1,
            }
        ],
        "timing": {"medianHoursToApprove": 4.5, "p90HoursToApprove": 4.5},
        "busiestApprovers": [
            {
                "userId": "4",
                "name": "Carol",
                "decisions": 2,
                "approvals": 1,
                "rejections": 1,
            }
        ],
    }


# --- building a route's `responses=` -----------------------------------------------

ERRORS: dict[int, str] = {
    400: "A parameter is missing or not valid; the error names it.",
    401: "No token, or a token that is not valid, has expired or was revoked.",
    403: "The REST API is disabled, the token lacks the scope (named), or the "
    "caller lacks the right in the space.",
    404: "No such object, or one the caller may not see.",
    409: "The object's state does not allow this, or a request with the same "
    "Idempotency-Key is still running.",
    413: "The request body is larger than 1 MiB.",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Too many requests for this token; retry after `Retry-After` seconds.",
}


class GroupMemberOut(ApiModel):
    account_id: str
    display_name: str


class GroupFollowOut(ApiModel):
    """The Confluence group a group follows: its members come from there."""

    site: str = Field(description="The connected site's name.")
    confluence_group: str = Field(description="The Confluence group's exact name.")
    synced_at: Moment | None = Field(
        default=None, description="The last sync; null before one."
    )
    error: str | None = Field(
        default=None, description="Why the last sync failed; null when it did not."
    )
    unmapped_accounts: list[str] = Field(
        description="Account ids in the Confluence group mapped to no Signoff user: "
        "left out of the group, never guessed."
    )


class GroupOut(ApiModel):
    name: str
    members: list[GroupMemberOut]
    follows: GroupFollowOut | None = Field(
        default=None,
        description="The Confluence group this group follows; null when it follows "
        "none and its members are changed by hand.",
    )


_GROUP: JsonDict = {
    "name": "legal",
    "members": [
        {"accountId": BOB, "displayName": "Bob"},
        {"accountId": CAROL, "displayName": "Carol"},
    ],
    "follows": {
        "site": "acme",
        "confluenceGroup": "legal",
        "syncedAt": "2026-02-02T10:30:00Z",
        "error": None,
        "unmappedAccounts": ["557058:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"],
    },
}


class GroupList(Envelope):
    groups: list[GroupOut]
    example = {"success": True, "groups": [_GROUP]}


class GroupOne(Envelope):
    group: GroupOut
    example = {"success": True, "group": _GROUP}


READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422, 429)
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer"},
    }
}


def documented(
    model: type[Envelope], description: str, errors: tuple[int, ...]
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: its success model and example, then its errors."""
    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "model": model,
            "description": description,
            "content": {"application/json": {"example": model.__dict__["example"]}},
        }
    }
    responses.update(error_responses(errors))
    return responses


def error_responses(errors: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """Each status in the error envelope; `4XX` stands for every other client error
    (FastAPI would otherwise document a 422 validation body this API never sends)."""
    shaped: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": ERRORS[status]} for status in errors
    }
    if 429 in shaped:
        shaped[429]["headers"] = RETRY_AFTER
    shaped["4XX"] = {
        "model": ErrorBody,
        "description": "Any other client error, in the same envelope.",
    }
    return shaped


# --- delegations -------------------------------------------------------------------


class DelegationOut(ApiModel):
    """`delegate` decides for `person` from `from` until `to` (exclusive, UTC)."""

    id: IdText
    person: Person
    delegate: Person
    start: Moment = Field(alias="from")
    end: Moment = Field(alias="to")
    created_at: Moment
    revoked_at: Moment | None = Field(
        default=None, description="When it was revoked; null while it stands."
    )


_DELEGATION: JsonDict = {
    "id": "3",
    "person": {"accountId": BOB, "displayName": "Bob"},
    "delegate": {"accountId": CAROL, "displayName": "Carol"},
    "from": "2026-03-02T00:00:00Z",
    "to": "2026-03-09T00:00:00Z",
    "createdAt": "2026-02-27T16:05:00Z",
    "revokedAt": None,
}


class DelegationOne(Envelope):
    delegation: DelegationOut
    example = {"success": True, "delegation": _DELEGATION}


class DelegationList(Envelope):
    delegations: list[DelegationOut]
    example = {"success": True, "delegations": [_DELEGATION]}
