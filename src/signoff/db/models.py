"""The tables: people, spaces, pages and versions, workflows, reviews, change sets,
audit events, outbox, idempotency records, tokens and site settings.

Enum-valued columns are stored as their lower-case text. Columns that cache a derived
fact (`Page.latest_request_id`, `Page.approved_request_id`,
`ApprovalRequest.current_step`) are maintained by `actions/` in the same transaction
as the change they follow, so reads never scan a page's whole history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signoff.db.base import Base


def only_set(column: str) -> dict[str, Any]:
    """An index's options that keep it to the rows where `column` is set: every
    read it serves names a value of that column, which implies as much."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


ID = Integer


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Whether approval emails reach this person; they switch it on their account page.
    email_notifications: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Space(Base):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_workflow_id: Mapped[int | None] = mapped_column(
        ForeignKey("workflows.id", use_alter=True)
    )
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adhoc_approvals: Mapped[str] = mapped_column(
        String(12), default="unassigned", server_default="unassigned"
    )
    """Where editors may ask named people to approve a page (`domain.adhoc`)."""


class SpaceMember(Base):
    __tablename__ = "space_members"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime]

    __table_args__ = (CheckConstraint("role in ('admin','editor','viewer')", "role"),)


# Pages whose standing approval covers an older version: the stale candidates.
MOVED_SINCE_APPROVAL = "current_version > approved_version"


class Page(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    source: Mapped[str] = mapped_column(String(40), default="builtin")
    external_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"))
    title: Mapped[str] = mapped_column(String(255))
    current_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="current")
    workflow_id: Mapped[int | None] = mapped_column(ForeignKey("workflows.id"))
    latest_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_requests.id", use_alter=True)
    )
    approved_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_requests.id", use_alter=True)
    )
    approved_version: Mapped[int | None] = mapped_column(Integer)
    """The version the standing approval covers (its request's `page_version`), set
    and cleared with `approved_request_id`: a page that has moved past it is the
    only kind that can be stale, and the partial index below finds those alone."""
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]

    space: Mapped[Space] = relationship()

    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_pages_external_id", "external_id"),
        CheckConstraint("current_version >= 1", "version_positive"),
        Index(
            "ix_pages_moved_since_approval",
            "space_id",
            sqlite_where=text(MOVED_SINCE_APPROVAL),
            postgresql_where=text(MOVED_SINCE_APPROVAL),
        ),
    )


class PageVersion(Base):
    """Immutable: a page's content at one version number."""

    __tablename__ = "page_versions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_account: Mapped[str | None] = mapped_column(String(128))
    """The author as the page's source names them (an Atlassian account id for a
    Confluence page), kept whether or not it maps to a Signoff user."""
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("page_id", "number"),)


class Workflow(Base):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    expire_on_edit: Mapped[bool] = mapped_column(Boolean, default=True)
    stale_on: Mapped[str] = mapped_column(String(20), default="content")
    allow_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_for_days: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    # Email approvers when their step starts; email the submitter decisions/outcome.
    notify_requests: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    notify_status: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    rereview_days: Mapped[int | None] = mapped_column(Integer)
    """Re-confirm approved pages every this many days (`actions.rereviews`); unlike
    `valid_for_days` the approval does not lapse: a new review opens beside it."""
    allow_override: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    """Whether a space admin may force a review's outcome (`actions.overrides`);
    each request keeps the value it was submitted under."""
    kind: Mapped[str] = mapped_column(
        String(10), default="defined", server_default="defined"
    )
    """`defined` by a space admin, or `adhoc`: the one-off definition an ad-hoc
    request runs under (`actions.adhoc`), never listed, assigned or chosen."""

    steps: Mapped[list[WorkflowStep]] = relationship(
        order_by="WorkflowStep.position", cascade="all, delete-orphan"
    )


class WorkflowStep(Base):
    """A step of a workflow definition; approvers are user and group id lists."""

    __tablename__ = "workflow_steps"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(20))
    quorum: Mapped[int | None] = mapped_column(Integer)
    min_rejections: Mapped[int] = mapped_column(Integer, default=1)
    due_days: Mapped[int | None] = mapped_column(Integer)
    approver_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("workflow_id", "position"),)


class ChangeSet(Base):
    __tablename__ = "change_sets"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    reference_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    page_refs: Mapped[list[ChangeSetPage]] = relationship(
        order_by="ChangeSetPage.position", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_change_sets_space_id_id", "space_id", "id"),)


class ChangeSetPage(Base):
    __tablename__ = "change_set_pages"

    change_set_id: Mapped[int] = mapped_column(
        ForeignKey("change_sets.id", ondelete="CASCADE"), primary_key=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime]
    """When the page was put in the set: the set counts the page's reviews submitted
    since then (`domain.standing.change_set_standing`). Kept when the set's pages
    are edited and the page stays."""


class ApprovalRequest(Base):
    """One submission of one page version, with its workflow options snapshotted."""

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    workflow_revision: Mapped[int] = mapped_column(Integer)
    page_version: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("page_versions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    current_step: Mapped[int | None] = mapped_column(Integer)
    expire_on_edit: Mapped[bool] = mapped_column(Boolean)
    stale_on: Mapped[str] = mapped_column(String(20))
    allow_self_approval: Mapped[bool] = mapped_column(Boolean)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[str | None] = mapped_column(String(200))
    change_set_id: Mapped[int | None] = mapped_column(ForeignKey("change_sets.id"))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    stale_at: Mapped[datetime | None]
    valid_for_days: Mapped[int | None] = mapped_column(Integer)
    """The workflow's `validForDays` when submitted: how long an approval lasts."""
    expires_at: Mapped[datetime | None]
    """When an approval made under `valid_for_days` lapses (set on approval)."""
    change_from: Mapped[int | None] = mapped_column(Integer)
    """The version the review is read against: the approved one, else the one
    before; None for a first version (`queries.page_compare.review_base`)."""
    change_summary: Mapped[str | None] = mapped_column(String(200))
    """What changed since `change_from`, as readers see it: "2 paragraphs
    changed, 14 words" (`storage_format.redline.Summary.sentence`)."""
    change_words: Mapped[int | None] = mapped_column(Integer)
    allow_override: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    """The workflow's `allowOverride` when submitted (or last adopted)."""
    overridden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """The space admin who forced this review's outcome (`actions.overrides`); None
    for a review its approvers decided. With `status` (the outcome forced),
    `completed_at` (when) and `override_reason`, it is all the badge, the API's
    `override` and analytics' `overrides` need, so no table of its own."""
    override_reason: Mapped[str | None] = mapped_column(Text)
    """Why the admin overrode the review, as they wrote it; set with `overridden_by`."""
    rereview_days: Mapped[int | None] = mapped_column(Integer)
    """The workflow's `rereviewDays` when submitted (or last adopted)."""
    rereview_due_at: Mapped[datetime | None]
    """When an approval made under `rereview_days` is to be re-confirmed (set on
    approval); the approval stays, a new review opens (`actions.rereviews`)."""
    rereview_remind_at: Mapped[datetime | None]
    """When the page's owner is reminded of `rereview_due_at` (set with it)."""
    rereview_reminded_at: Mapped[datetime | None]
    """When that reminder was queued: it is sent once."""
    rereview_swept_at: Mapped[datetime | None]
    """When the sweeper dealt with the due date: opened the re-review, or skipped
    it and audited why; each due date is dealt with once."""

    steps: Mapped[list[RequestStep]] = relationship(
        order_by="RequestStep.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_approval_requests_page_id_id", "page_id", "id"),
        Index("ix_approval_requests_space_status_id", "space_id", "status", "id"),
        Index("ix_approval_requests_status_id", "status", "id"),
        Index(
            "ix_approval_requests_change_set_id",
            "change_set_id",
            **only_set("change_set_id"),
        ),
        Index("ix_approval_requests_workflow_id", "workflow_id"),
        Index("ix_approval_requests_space_created", "space_id", "created_at"),
        Index(
            "ix_approval_requests_space_completed",
            "space_id",
            "completed_at",
            **only_set("completed_at"),
        ),
        Index(
            "ix_approval_requests_expires_at",
            "expires_at",
            **only_set("expires_at"),
        ),
        Index(
            "ix_approval_requests_space_overridden",
            "space_id",
            "completed_at",
            **only_set("overridden_by"),
        ),
        Index(
            "ix_approval_requests_rereview_due_at",
            "rereview_due_at",
            **only_set("rereview_due_at"),
        ),
    )


class RequestStep(Base):
    """A step of one request: the workflow step as it was when the request began."""

    __tablename__ = "request_steps"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(20))
    quorum: Mapped[int | None] = mapped_column(Integer)
    min_rejections: Mapped[int] = mapped_column(Integer)
    due_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    """Set when the step starts, from `due_days`; reminders go out around it."""
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """0 none yet, 1 the reminder before the due date, 2 the overdue one."""

    seats: Mapped[list[RequestStepSeat]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("request_id", "position"),
        Index(
            "ix_request_steps_due_at",
            "due_at",
            **only_set("due_at"),
        ),
    )


class RequestStepSeat(Base):
    """A seat of a request step: a named user, or a group any one member may fill."""

    __tablename__ = "request_step_seats"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("request_steps.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))

    # "waiting for me" starts from the person's seats and needs only the step id
    __table_args__ = (
        CheckConstraint("(user_id is null) <> (group_id is null)", "user_or_group"),
        Index(
            "ix_request_step_seats_user_step",
            "user_id",
            "step_id",
            **only_set("user_id"),
        ),
        Index(
            "ix_request_step_seats_group_step",
            "group_id",
            "step_id",
            **only_set("group_id"),
        ),
    )


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("request_steps.id"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    page_version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(index=True)
    """Indexed for analytics, which reads the partial days at a range's ends here."""
    on_behalf_of: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """The seat holder a delegate decided for (`domain.delegation`); `approver_id`
    is then the delegate who acted. Null for a decision made in one's own seat."""

    __table_args__ = (
        UniqueConstraint("step_id", "approver_id"),
        CheckConstraint("kind in ('approve','reject')", "kind"),
    )


class ReviewAssignment(Base):
    """A person the current step of a pending review is waiting for.

    Derived from the step's seats (direct, or through a group the person belongs
    to), the decisions made and the self-approval rule, and kept by
    `actions/assignments.py` whenever one of those changes, so that "waiting for me"
    reads the person's own rows by index instead of every pending review.
    """

    __tablename__ = "review_assignments"

    step_id: Mapped[int] = mapped_column(
        ForeignKey("request_steps.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE")
    )
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))

    # newest first, for everyone or within one space
    __table_args__ = (
        Index("ix_review_assignments_user_request", "user_id", "request_id"),
        Index(
            "ix_review_assignments_user_space_request",
            "user_id",
            "space_id",
            "request_id",
        ),
    )


class AssignmentCount(Base):
    """How many reviews wait for a person in a space: the queue's "waiting for me".

    Kept by database triggers on `review_assignments`, in the same transaction.
    """

    __tablename__ = "assignment_counts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer)


class SpaceRequestCount(Base):
    """How many requests of a space have each status: the queue's tab counts.

    Kept by database triggers on `approval_requests`, in the same transaction.
    """

    __tablename__ = "space_request_counts"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)


class ReviewClaim(Base):
    """An approver's "I'm reviewing this" on one step of a review, until `expires_at`.

    One row per step at most (the step is the key): a new claim replaces a lapsed one.
    A row outlives what made it matter (a decision by its claimant, the step
    completing, the review ending); readers count it only while
    `domain.claims.claim_is_live` holds, so nothing has to delete it then.
    """

    __tablename__ = "review_claims"

    step_id: Mapped[int] = mapped_column(
        ForeignKey("request_steps.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Delegation(Base):
    """`user_id` is away from `starts_at` until `ends_at` (exclusive, UTC) and
    `delegate_id` decides in their place (`domain.delegation`). A revoked
    delegation keeps its row, with `revoked_at`, for the record."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", "range"),
        CheckConstraint("user_id <> delegate_id", "not_self"),
    )


class AuditEvent(Base):
    """Append-only; `hash` chains each event to the previous one of its chain."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    space_id: Mapped[int | None] = mapped_column(Integer)
    page_id: Mapped[int | None] = mapped_column(Integer)
    page_version: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(Integer)
    change_set_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    origin: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_events_space_id_id", "space_id", "id"),
        Index("ix_audit_events_page_id_id", "page_id", "id"),
        Index(
            "ix_audit_events_change_set_id_id",
            "change_set_id",
            "id",
            **only_set("change_set_id"),
        ),
    )


class AuditChainHead(Base):
    """The last link of each chain; its row lock serialises appends on PostgreSQL."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A side effect to deliver after commit; `message_id` lets receivers dedupe."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    space_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_status_available_at", "status", "available_at"),)


class IdempotencyRecord(Base):
    """The first response to an `Idempotency-Key`, replayed to retries of it."""

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    principal: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("principal", "key"),)


class PersonalToken(Base):
    """A personal access token; only its SHA-256 is stored."""

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class SiteSetting(Base):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class OAuthClient(Base):
    """A registered OAuth 2.0 client; its secret is stored only as SHA-256."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]


class OAuthCode(Base):
    """An authorization code: single use, short-lived, bound to PKCE and redirect."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OAuthToken(Base):
    """An access token and its refresh token; a family shares one grant's lineage.

    Refresh tokens rotate: each use marks the old one used and issues a new token in
    the same family; presenting a used refresh token revokes the whole family.
    """

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    family: Mapped[str] = mapped_column(String(36), index=True)
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_codes.id"), index=True
    )
    created_at: Mapped[datetime]
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser; the cookie holds a secret whose SHA-256 is the key."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Comment(Base):
    """A footer comment on a page; `author_id` None is the system's voice."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    page_version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_comments_page_id_id", "page_id", "id"),)


class WebhookSubscription(Base):
    """A space's webhook: where its events go, which ones, and how they are signed.

    The signing secret is not stored: it is derived from the site key and `salt`
    (`notify.webhook_secret`), shown once when made, and changed by a new salt.
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    salt: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One attempt to deliver one event to one subscription: the delivery log."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(60))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
    )


class Mention(Base):
    """A person named in a comment (`@someone`, or an approver the system calls on),
    for their in-app inbox; `read_at` is set when they mark it read."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    comment: Mapped[Comment] = relationship()
    """Set instead of `comment_id` for a comment not yet flushed: one flush writes
    both, in order."""

    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        Index("ix_mentions_user_id_id", "user_id", "id"),
    )


# Analytics counters ------------------------------------------------------------------
#
# Daily (and for the two tables with many rows a day, monthly) buckets that
# `queries/analytics.py` sums instead of aggregating the history. Database triggers
# on `approval_requests` and `decisions` (migration c8b48ab53227, "analytics counters
# kept by triggers") write them in the transaction of every change, whatever code
# path or statement makes it; the application never does. `day` is a UTC calendar
# day, `month` the first day of a UTC month. They carry no foreign keys: every row is
# derived from rows that do, and a key check per counter write would buy nothing. On
# SQLite they are WITHOUT ROWID tables, stored in primary key order, so summing a
# range of days reads one b-tree instead of an index and then the table, row by row.


class AnalyticsDaily(Base):
    """One space's requests of one workflow on one UTC day.

    `submitted`: requests created that day; `submitted_<status>`: those of them that
    have that status now. `completed`: requests completed that day;
    `completed_<status>`: those of them that have that status now.
    """

    __tablename__ = "analytics_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    space_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted: Mapped[int] = mapped_column(Integer)
    submitted_pending: Mapped[int] = mapped_column(Integer)
    submitted_approved: Mapped[int] = mapped_column(Integer)
    submitted_rejected: Mapped[int] = mapped_column(Integer)
    submitted_cancelled: Mapped[int] = mapped_column(Integer)
    submitted_superseded: Mapped[int] = mapped_column(Integer)
    submitted_expired: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    completed_pending: Mapped[int] = mapped_column(Integer)
    completed_approved: Mapped[int] = mapped_column(Integer)
    completed_rejected: Mapped[int] = mapped_column(Integer)
    completed_cancelled: Mapped[int] = mapped_column(Integer)
    completed_superseded: Mapped[int] = mapped_column(Integer)
    completed_expired: Mapped[int] = mapped_column(Integer)


class AnalyticsApprovalTimes(Base):
    """How long the requests now approved waited, by UTC day of completion: a
    histogram whose buckets start at `from_seconds` (one second wide below 64 s, then
    32 to each doubling), with the exact sum of the waits in each."""

    __tablename__ = "analytics_approval_times"
    __table_args__ = ({"sqlite_with_rowid": False},)

    space_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    from_seconds: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    total_ms: Mapped[int] = mapped_column(BigInteger)


class AnalyticsApprovalTimesMonthly(Base):
    """`analytics_approval_times` by UTC month (`month` is its first day), so a long
    range reads a month's histogram once instead of thirty days of it."""

    __tablename__ = "analytics_approval_times_monthly"
    __table_args__ = ({"sqlite_with_rowid": False},)

    space_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    from_seconds: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    total_ms: Mapped[int] = mapped_column(BigInteger)


class AnalyticsApproverDaily(Base):
    """The decisions one person recorded on one UTC day on one space's requests."""

    __tablename__ = "analytics_approver_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    space_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    approver_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    approvals: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[int] = mapped_column(Integer)


class AnalyticsApproverMonthly(Base):
    """`analytics_approver_daily` by UTC month (`month` is its first day)."""

    __tablename__ = "analytics_approver_monthly"
    __table_args__ = ({"sqlite_with_rowid": False},)

    space_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    approver_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    approvals: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[int] = mapped_column(Integer)


class ConfluenceSite(Base):
    """A Confluence Cloud site whose pages Signoff governs; its credential sealed
    (`outbound.credentials`) and its health as the last calls found it."""

    __tablename__ = "confluence_sites"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    web_base: Mapped[str | None] = mapped_column(String(500))
    """The site's address for people (`_links.base`), for links to its pages."""
    cloud_id: Mapped[str | None] = mapped_column(String(64))
    auth: Mapped[str] = mapped_column(String(10))  # "basic" or "bearer"
    email: Mapped[str | None] = mapped_column(String(320))
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hold_until: Mapped[datetime | None]
    """No call before this moment (a `Retry-After`), whichever worker got it."""
    last_ok_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class ConfluenceSpaceLink(Base):
    """A Confluence space governed in a Signoff space, and how far polling got."""

    __tablename__ = "confluence_space_links"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("confluence_sites.id", ondelete="CASCADE")
    )
    confluence_space_id: Mapped[str] = mapped_column(String(40))
    confluence_space_key: Mapped[str] = mapped_column(String(255))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), unique=True)
    watermark: Mapped[datetime | None]
    """Every change up to this moment has been recorded (a pass starts a little
    before it, to catch changes the site listed late)."""
    last_pass_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("site_id", "confluence_space_id"),)


class ConfluenceAccount(Base):
    """A Signoff user is this Atlassian account on this site."""

    __tablename__ = "confluence_accounts"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("confluence_sites.id", ondelete="CASCADE")
    )
    account_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("site_id", "account_id"),
        UniqueConstraint("site_id", "user_id"),
    )


class ConfluenceThread(Base):
    """The footer comment a review's submission opened on its Confluence page:
    decisions on the review reply in it."""

    __tablename__ = "confluence_threads"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class ConfluenceGroupFollow(Base):
    """A Signoff group whose members are those of a Confluence group on a site
    (the ones whose accounts are mapped to users); the polling pass keeps them so.

    One row per following group, apart from `groups`: a group follows at most one
    Confluence group, and removing the site ends the following but keeps members.
    """

    __tablename__ = "confluence_group_follows"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("confluence_sites.id", ondelete="CASCADE"), index=True
    )
    confluence_group_id: Mapped[str] = mapped_column(String(128))
    """Held by id, which survives a rename in Confluence."""
    confluence_group_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]
    """When membership last matched the Confluence group."""
    last_error: Mapped[str | None] = mapped_column(Text)
    unmapped: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Members' account ids mapped to no user at the last sync: left out, reported."""
