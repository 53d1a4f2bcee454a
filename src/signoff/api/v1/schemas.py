"""Request bodies of `/api/v1`: camelCase JSON, ids as strings (numbers accepted).

Validation failures become 400s naming the field (see `api.errors`). Unknown fields
are ignored, as the reference product's clients send extra context.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

MAX_ID = 2**31 - 1


def parse_id(value: Any) -> int:
    """Ids travel as strings of digits ("12345"); plain integers are accepted too."""
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        number = value
    elif (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) < 12
    ):
        number = int(value)
    else:
        raise ValueError("must be an id: a string of digits")
    if not 1 <= number <= MAX_ID:
        raise ValueError("is not a known id")
    return number


ObjectId = Annotated[
    int,
    BeforeValidator(parse_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,10}$", "example": "12345"}),
]


class Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class PageRefIn(Body):
    page_id: ObjectId


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
    page_id: ObjectId
    workflow_id: ObjectId | None = None


class DecisionIn(Body):
    page_id: ObjectId
    version: int = Field(ge=1, le=MAX_ID)
    comment: str | None = Field(default=None, max_length=5000)


class RejectionIn(Body):
    page_id: ObjectId
    version: int = Field(ge=1, le=MAX_ID)
    comment: str = Field(max_length=5000)
