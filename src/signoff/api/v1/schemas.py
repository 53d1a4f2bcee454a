"""Request bodies and query strings of `/api/v1`: camelCase, ids as strings (numbers
accepted). A page is named as clients name it (`PageId`): a Confluence page by its
Confluence page id, which `queries.page_refs` turns into the page.

Validation failures become 400s naming the field (see `api.errors`). Unknown fields
are ignored, as the reference product's clients send extra context.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from signoff.domain.adhoc import DEFAULT_TITLE, MAX_MEMBERS, MAX_TITLE, AdhocMode
from signoff.domain.states import DecisionKind, Role, Rule, StaleOn
from signoff.ids import MAX_ID, Id, PageId

MAX_LIMIT = 200
# Ids: one type for every interface (`signoff.ids`), re-exported under the API's name;
# pages are `PageId`.
ObjectId = Id


class Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class PageRefIn(Body):
    page_id: PageId


class ChangeSetCreate(Body):
    space_id: ObjectId
    title: str = Field(max_length=255, examples=["Release 2.0 documentation"])
    summary: str | None = Field(default=None, max_length=10_000)
    reference_url: str | None = Field(
        default=None, max_length=2000, examples=["https://git.example.com/pr/42"]
    )
    page_refs: list[PageRefIn] = Field(default_factory=list, max_length=1000)


class ChangeSetUpdate(Body):
    change_set_id: ObjectId
    title: str | None = Field(default=None, max_length=255)
    summary: str | None = Field(default=None, max_length=10_000)
    reference_url: str | None = Field(default=None, max_length=2000)
    page_refs: list[PageRefIn] | None = Field(default=None, max_length=1000)


class ChangeSetRef(Body):
    change_set_id: ObjectId


class PageRef(Body):
    page_id: PageId
    workflow_id: ObjectId | None = None


class DecisionIn(Body):
    page_id: PageId
    version: int = Field(ge=1, le=MAX_ID)
    comment: str | None = Field(default=None, max_length=5000)


class RejectionIn(Body):
    page_id: PageId
    version: int = Field(ge=1, le=MAX_ID)
    comment: str = Field(max_length=5000)


class OverrideIn(Body):
    """A space admin forces the pending review of `version` to `decision`; the
    reason is required (an absent or blank one is refused with 400)."""

    page_id: PageId
    decision: DecisionKind
    reason: str | None = Field(
        default=None, max_length=5000, examples=["Release blocker; approvers away."]
    )
    version: int = Field(ge=1, le=MAX_ID)


SeenVersion = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
"""A version number as an approver saw it: a positive JSON integer."""
PageIdKey = Annotated[str, Field(pattern=r"^[0-9]{1,19}$")]
"""A page id as a JSON object's key names it (keys are always strings)."""


class ChangeSetDecisionIn(Body):
    """Decide every page of a change set the caller may decide, in one act.

    `versions` maps a page id to the version the approver saw; a page it leaves out
    is decided at the version under review.
    """

    change_set_id: ObjectId
    decision: Literal["approve", "reject"]
    comment: str | None = Field(default=None, max_length=5000)
    versions: dict[PageIdKey, SeenVersion] = Field(
        default_factory=dict, max_length=1000, examples=[{"101": 2, "102": 1}]
    )


AccountId = Annotated[
    str, Field(min_length=1, max_length=64, examples=["5f9c2b7e1a4d3c8b6e0f2a19"])
]


class SpaceCreate(Body):
    key: str = Field(max_length=50, examples=["DOCS"])
    name: str = Field(max_length=200, examples=["Documentation"])


class MemberIn(Body):
    space_id: ObjectId
    account_id: AccountId
    role: Role


class ApprovalAsk(Body):
    """Ask named people to approve a page's current version (`domain.adhoc`)."""

    page_id: PageId
    members: list[AccountId] = Field(min_length=1, max_length=MAX_MEMBERS)
    quorum: int = Field(
        default=0, ge=0, le=MAX_MEMBERS, description="0: every member must approve"
    )
    title: str = Field(default=DEFAULT_TITLE, max_length=MAX_TITLE)
    expiry_date: date | None = Field(
        default=None, description="The last day the review stays open (UTC)"
    )
    notify_requests: bool = True
    notify_status: bool = True


class SpaceSettingsIn(Body):
    space_id: ObjectId
    adhoc_approvals: AdhocMode


class MemberRef(Body):
    space_id: ObjectId
    account_id: AccountId


GroupName = Annotated[str, Field(max_length=100, examples=["legal"])]


class GroupCreate(Body):
    name: GroupName
    members: list[AccountId] = Field(default_factory=list, max_length=1000)


class GroupRef(Body):
    name: GroupName


class GroupRename(Body):
    name: GroupName
    new_name: GroupName


class GroupMemberIn(Body):
    name: GroupName
    account_id: AccountId


class GroupFollowIn(Body):
    """A group to follow a Confluence group: the connected site by its name, the
    Confluence group by its exact name."""

    name: GroupName
    site: str = Field(min_length=1, max_length=100, examples=["acme"])
    confluence_group: str = Field(min_length=1, max_length=255, examples=["legal"])


class StepIn(Body):
    """A workflow step: people by account id, groups by name."""

    name: str = Field(max_length=200, examples=["Legal review"])
    approvers: list[AccountId] = Field(default_factory=list, max_length=100)
    groups: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100, examples=[["legal"]]
    )
    rule: Rule
    quorum: int | None = Field(default=None, ge=1, le=1000)
    min_rejections: int = Field(default=1, ge=1, le=1000)
    due_days: int | None = Field(default=None, ge=1, le=3650)


class WorkflowCreate(Body):
    space_id: ObjectId
    name: str = Field(max_length=200, examples=["Standard review"])
    steps: list[StepIn] = Field(max_length=20)
    expire_on_edit: bool = True
    stale_on: StaleOn = StaleOn.content
    allow_self_approval: bool = False
    valid_for_days: int | None = Field(default=None, ge=1, le=36_500)
    notify_requests: bool = Field(
        default=True, description="Email the approvers when their step starts."
    )
    notify_status: bool = Field(
        default=True, description="Email the submitter each decision and the outcome."
    )
    allow_override: bool = Field(
        default=True,
        description="A space admin may force a pending review's outcome "
        "(`POST /pages/override`).",
    )
    rereview_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Re-confirm approved pages every this many days: a new review "
        "opens at the current version, the approval stays on record. Null: never.",
    )


class WorkflowUpdate(Body):
    """Only the fields given change; `steps` replaces every step;
    `validForDays: null` removes the expiry, `rereviewDays: null` the re-review."""

    workflow_id: ObjectId
    name: str | None = Field(default=None, max_length=200)
    steps: list[StepIn] | None = Field(default=None, max_length=20)
    expire_on_edit: bool | None = None
    stale_on: StaleOn | None = None
    allow_self_approval: bool | None = None
    valid_for_days: int | None = Field(default=None, ge=1, le=36_500)
    notify_requests: bool | None = None
    notify_status: bool | None = None
    allow_override: bool | None = None
    rereview_days: int | None = Field(default=None, ge=1, le=3650)


class WorkflowRef(Body):
    workflow_id: ObjectId


class WorkflowAssign(Body):
    workflow_id: ObjectId
    page_ids: list[PageId] = Field(default_factory=list, max_length=1000)
    space_default: bool = False


class QueryParams(BaseModel):
    """A query string read as a model, for endpoints with many filters."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


Cursor = Annotated[
    str, Field(max_length=100, description="`nextCursor` of the previous page.")
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Items per page.")]


class QueueQuery(QueryParams):
    space_id: ObjectId | None = None
    status: Literal[
        "pending",
        "approved",
        "rejected",
        "cancelled",
        "superseded",
        "expired",
        "stale",
        "all",
    ] = Field(
        default="pending",
        description="Requests in this status; `stale`: approvals the page has moved "
        "away from; `all`: every status.",
    )
    assigned_to: Literal["me"] | None = Field(
        default=None, description="`me`: only what the caller may decide now."
    )
    workflow_id: ObjectId | None = None
    change_set_id: ObjectId | None = None
    submitted_by: AccountId | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class AuditQuery(QueryParams):
    """At least one of `spaceId`, `pageId`, `changeSetId`; the space is theirs."""

    space_id: ObjectId | None = None
    page_id: PageId | None = None
    change_set_id: ObjectId | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class ExportQuery(QueryParams):
    space_id: ObjectId
    export_format: Literal["csv", "jsonl"] = Field(alias="format")


def parse_moment(value: Any) -> datetime:
    """An ISO 8601 date (its midnight) or date-time, in UTC (assumed if no zone)."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (
                moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
            )
    raise ValueError(
        "must be an ISO 8601 date or date-time, such as 2026-01-31 or "
        "2026-01-31T12:00:00Z"
    )


Moment = Annotated[
    datetime,
    BeforeValidator(parse_moment),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-01-31T00:00:00Z"}
    ),
]


class AnalyticsQuery(QueryParams):
    """The range is `[from, to)`; either end open when left out."""

    space_id: ObjectId
    start: Moment | None = Field(default=None, alias="from")
    end: Moment | None = Field(default=None, alias="to")
    interval: Literal["day", "week"] = "day"


class DelegationIn(Body):
    """`delegateAccountId` decides for `accountId` (the caller when left out; only a
    site admin names someone else) over `[from, to)`, in UTC."""

    delegate_account_id: AccountId
    start: Moment = Field(alias="from")
    end: Moment = Field(alias="to")
    account_id: AccountId | None = None


class DelegationRef(Body):
    delegation_id: ObjectId
