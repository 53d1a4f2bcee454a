"""What the page store answers, as models for the OpenAPI document.

Handlers render Confluence's shapes themselves (`shapes`), so these models describe
and never re-validate; the API tests (and the schema fuzzer) check real responses
against them. `documented()` builds a route's `responses=`: the success model and
every error status, each in Confluence's v2 error envelope.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

IdText = Annotated[str, Field(pattern=r"^[0-9]+$", examples=["101"])]
Moment = Annotated[
    str,
    Field(
        description="UTC, `YYYY-MM-DDTHH:mm:ss.sssZ`",
        examples=["2026-01-05T09:00:00.000Z"],
    ),
]
AccountId = Annotated[
    str | None, Field(description="accountId, or null for the system")
]


APPROVAL_VALUE_EXAMPLE: dict[str, Any] = {
    "pending": [],
    "approved": ["5b10ac8d82e05b22cc7d4ef5"],
    "rejected": [],
    "commented": ["5b10ac8d82e05b22cc7d4ef5"],
    "status": 1,
    "isComplete": "true",
    "completedAt": 1767604320000,
    "createdAt": 1767603600000,
    "createdBy": "5f0c9e2a1b3d4c5e6f7a8b9c",
    "latestVersionBy": "5f0c9e2a1b3d4c5e6f7a8b9c",
    "minimumApprovers": 1,
    "minimumRejections": 1,
    "version": 3,
    "statusName": "approved",
    "isStale": False,
}


class WikiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")


class ConfluenceError(WikiModel):
    status: int
    code: str = Field(examples=["CONFLICT"])
    title: str = Field(examples=["Conflict"])
    detail: str | None = Field(description="What went wrong, for a person.")


class ConfluenceErrors(WikiModel):
    errors: list[ConfluenceError]


class ConfluenceWebLinks(WikiModel):
    webui: str
    base: str | None = Field(default=None, description="On single objects only.")


class ConfluenceListLinks(WikiModel):
    next: str | None = Field(
        default=None, description="Relative URL of the next page; absent on the last."
    )
    base: str


class ConfluenceStorage(WikiModel):
    representation: Literal["storage"]
    value: str


class ConfluenceBody(WikiModel):
    """`{}` unless `body-format=storage` was asked for."""

    storage: ConfluenceStorage | None = None


class ConfluenceVersion(WikiModel):
    created_at: Moment
    message: str
    number: int
    minor_edit: bool
    author_id: AccountId


class ConfluenceSpace(WikiModel):
    id: IdText
    key: str
    name: str
    type: Literal["global"]
    status: Literal["current"]
    author_id: AccountId
    created_at: Moment
    homepage_id: IdText | None
    description: None
    icon: None
    links: ConfluenceWebLinks = Field(alias="_links")


class ConfluencePage(WikiModel):
    id: IdText
    status: str
    title: str
    space_id: IdText
    parent_id: IdText | None
    parent_type: Literal["page"] | None
    position: int | None
    author_id: AccountId
    owner_id: AccountId
    last_owner_id: AccountId
    created_at: Moment
    version: ConfluenceVersion
    body: ConfluenceBody
    links: ConfluenceWebLinks = Field(alias="_links")


class ConfluenceVersionedPage(WikiModel):
    id: IdText
    title: str
    body: ConfluenceBody | None = None


class ConfluencePageVersion(ConfluenceVersion):
    page: ConfluenceVersionedPage


class ConfluenceVersionDetail(WikiModel):
    number: int
    author_id: AccountId
    message: str
    created_at: Moment
    minor_edit: bool
    content_type_modified: bool
    collaborators: list[str]
    prev_version: int | None
    next_version: int | None


class ConfluenceComment(WikiModel):
    id: IdText
    status: Literal["current"]
    title: str
    page_id: IdText
    parent_comment_id: IdText | None
    version: ConfluenceVersion
    body: ConfluenceBody
    links: ConfluenceWebLinks = Field(alias="_links")


EpochMs = Annotated[
    int,
    Field(description="UTC, milliseconds since 1970-01-01", examples=[1767603600000]),
]
PropertyPerson = Annotated[
    str | None,
    Field(description="accountId; null on a Confluence page for someone unmapped"),
]


class SignoffApprovalValue(WikiModel):
    """Reference product 004's approval property, its field names, order and types,
    then Signoff's `version`, `statusName` and `isStale`."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        json_schema_extra={"examples": [APPROVAL_VALUE_EXAMPLE]},
    )

    pending: list[str]
    approved: list[str]
    rejected: list[str]
    commented: list[str]
    status: Literal[0, 1, 2, 3, 4, 5] = Field(
        description="0 pending, 1 approved, 2 rejected, 3 cancelled, 4 superseded, "
        "5 expired"
    )
    is_complete: Literal["true", "false"] = Field(
        description="The review has ended, as a string"
    )
    completed_at: EpochMs = Field(
        description="When the review ended; its createdAt while it is pending"
    )
    created_at: EpochMs
    created_by: PropertyPerson
    latest_version_by: PropertyPerson
    minimum_approvers: int
    minimum_rejections: int
    version: int = Field(description="The page version under review")
    status_name: Literal[
        "pending", "approved", "rejected", "cancelled", "superseded", "expired"
    ]
    is_stale: bool


class ConfluenceProperty(WikiModel):
    id: IdText
    key: Literal["signoff-approval"]
    value: SignoffApprovalValue
    version: ConfluenceVersion


class ConfluenceSpaceList(WikiModel):
    results: list[ConfluenceSpace]
    links: ConfluenceListLinks = Field(alias="_links")


class ConfluencePageList(WikiModel):
    results: list[ConfluencePage]
    links: ConfluenceListLinks = Field(alias="_links")


class ConfluencePageVersionList(WikiModel):
    results: list[ConfluencePageVersion]
    links: ConfluenceListLinks = Field(alias="_links")


class ConfluenceCommentList(WikiModel):
    results: list[ConfluenceComment]
    links: ConfluenceListLinks = Field(alias="_links")


class ConfluencePropertyList(WikiModel):
    results: list[ConfluenceProperty]
    links: ConfluenceListLinks = Field(alias="_links")


ERRORS: dict[int, str] = {
    400: "A parameter or body field is missing or not valid; `detail` names it.",
    401: "No credentials, or a token that is not valid, has expired or was revoked.",
    403: "The token lacks the scope, or the caller's role does not allow the change.",
    404: "No such object, or one in a space the caller is not in.",
    409: "The page's version moved on, or a request with the same Idempotency-Key "
    "is still running.",
    413: "The request body is larger than 1 MiB.",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Too many requests for this token; retry after `Retry-After` seconds.",
}
READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422, 429)


def documented(
    model: type[WikiModel],
    description: str,
    errors: tuple[int, ...],
    *,
    status: int = 200,
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: its success model, then its errors in the envelope."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": model, "description": description}
    }
    for code in errors:
        responses[code] = {"model": ConfluenceErrors, "description": ERRORS[code]}
    responses["4XX"] = {
        "model": ConfluenceErrors,
        "description": "Any other client error, in the same envelope.",
    }
    return responses
