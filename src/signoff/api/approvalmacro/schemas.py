"""Bodies and answers of `/rest/approvalmacro/1.0`, with product 003's exact names
and types: camelCase as that product spells it, `pageId` a number in answers, and
member dates in epoch milliseconds."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from signoff.api.v1.responses import ApiModel
from signoff.api.v1.schemas import Body
from signoff.domain.adhoc import DEFAULT_TITLE, MAX_MEMBERS, MAX_TITLE
from signoff.domain.approval_records import ApprovalRecord, epoch_ms
from signoff.ids import MAX_ID, PageId


def _day_or_nothing(value: Any) -> Any:
    """Product 003 sends `""` for "no expiry date"."""
    return None if value == "" else value


class RecordRef(Body):
    type: Literal["page"] = "page"
    page_id: PageId
    version: int = Field(ge=1, le=MAX_ID)


class ApprovalPut(Body):
    title: str = Field(default=DEFAULT_TITLE, max_length=MAX_TITLE)
    members: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_MEMBERS
    )
    page_id: PageId
    request_notifications_enabled: bool = True
    status_notifications_enabled: bool = True
    expiry_date: Annotated[date | None, BeforeValidator(_day_or_nothing)] = Field(
        default=None, description='"YYYY-MM-DD", or "" for none'
    )
    quorum_size: int = Field(default=0, ge=0, le=MAX_MEMBERS)


class ApprovalAction(Body):
    type: Literal["page"] = "page"
    action: Literal["approved", "rejected"]
    page_id: PageId
    version: int = Field(ge=1, le=MAX_ID)
    comment: str | None = Field(
        default=None,
        max_length=5000,
        description="Signoff's addition: why (a rejection without one says so)",
    )


class MemberOut(ApiModel):
    approval_id: int
    user_key: str = Field(description="accountId")
    status: Literal["pending", "approved", "rejected"]
    date: int = Field(description="epoch milliseconds")
    avatar_url: str
    display_name: str


class RecordOut(ApiModel):
    type: Literal["page"] = "page"
    creator_username: str = Field(description="accountId of who asked")
    page_id: int
    title: str
    request_notifications: bool
    status_notifications: bool
    expire_on_edit: bool
    quorum_size: int = Field(description="0: every member must approve")
    post_comments_enabled: bool
    members: list[MemberOut]
    version: int
    superseded: bool

    @classmethod
    def of_record(cls, record: ApprovalRecord) -> RecordOut:
        return cls(
            creator_username=record.creator_account,
            page_id=record.page_id,
            title=record.title,
            request_notifications=record.request_notifications,
            status_notifications=record.status_notifications,
            expire_on_edit=record.expire_on_edit,
            quorum_size=record.quorum_size,
            # Signoff writes every review's thread as page comments.
            post_comments_enabled=True,
            members=[
                MemberOut(
                    approval_id=member.approval_id,
                    user_key=member.account_id,
                    status=member.status,
                    date=epoch_ms(member.at),
                    # Signoff keeps no pictures of people.
                    avatar_url="",
                    display_name=member.display_name,
                )
                for member in record.members
            ],
            version=record.version,
            superseded=record.superseded,
        )
