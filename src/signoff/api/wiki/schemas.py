"""Request bodies of the page store, as Confluence Cloud v2 clients send them.

A page or comment body comes in the flat form `{"representation": "storage",
"value": ...}` or the nested form `{"storage": {"value": ..., "representation":
"storage"}}` (the representation may be left out); both become the storage text.
Only the storage representation is kept, and ids are strings of digits (numbers
accepted). Unknown fields are ignored, as Confluence ignores them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from signoff.api.v1.schemas import ObjectId
from signoff.domain.errors import BadInput
from signoff.ids import parse_id

STORAGE = "storage"
_BODY_SCHEMA = {
    "type": "object",
    "description": "{representation: 'storage', value} or {storage: {value}}",
    "example": {"representation": "storage", "value": "<p>Hello</p>"},
}


def storage_value(raw: Any) -> str:
    """The storage text of a body in either form."""
    if not isinstance(raw, dict):
        raise ValueError("must be an object")
    if "storage" in raw and isinstance(raw["storage"], dict):
        return _representation(raw["storage"])
    if "value" in raw or "representation" in raw:
        return _representation(raw)
    given = ", ".join(sorted(map(str, raw))) or "nothing"
    raise ValueError(f"only the storage representation is supported (got {given})")


def _representation(part: dict[str, Any]) -> str:
    representation = part.get("representation", STORAGE)
    if representation != STORAGE:
        raise ValueError(
            f"only the storage representation is supported, not {representation!r}"
        )
    value = part.get("value")
    if not isinstance(value, str):
        raise ValueError("value must be text")
    return value


def only_current(value: Any) -> Any:
    if value is not None and value != "current":
        raise ValueError("the built-in store keeps current pages only")
    return value


StorageBody = Annotated[
    str, BeforeValidator(storage_value), WithJsonSchema(_BODY_SCHEMA)
]
CurrentStatus = Annotated[str | None, BeforeValidator(only_current)]


class Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class ConfluencePageCreate(Body):
    space_id: ObjectId
    title: str = Field(max_length=1000, examples=["Release notes"])
    parent_id: ObjectId | None = None
    status: CurrentStatus = None
    body: StorageBody = ""


class ConfluenceVersionIn(Body):
    number: int = Field(ge=1, le=2**31 - 1)
    message: str | None = Field(default=None, max_length=500)


class ConfluencePageUpdate(Body):
    """`version.number` is the current number + 1; omitted fields keep their values."""

    id: ObjectId | None = None
    status: CurrentStatus = None
    title: str | None = Field(default=None, max_length=1000)
    space_id: ObjectId | None = None
    parent_id: ObjectId | None = None
    body: StorageBody | None = None
    version: ConfluenceVersionIn


class ConfluenceCommentCreate(Body):
    """`pageId` for a comment on a page, `parentCommentId` for a reply."""

    page_id: ObjectId | None = None
    parent_comment_id: ObjectId | None = None
    body: StorageBody


# Query parameters: lists come comma-separated (`status=a,b`) or repeated
# (`status=a&status=b`), as Confluence accepts them.

MAX_LIMIT = 250
ListParam = Annotated[list[str] | None, Query()]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def split_values(values: list[str] | None, *, field: str = "filter") -> list[str]:
    """Repeated values, each also split at commas; blanks dropped."""
    return [
        part.strip()
        for value in text_values(values, field=field)
        for part in value.split(",")
        if part.strip()
    ]


def text_values(values: list[str] | None, *, field: str) -> list[str]:
    """Repeated values as given (a title may hold a comma); no NUL characters."""
    for value in values or []:
        if "\x00" in value:
            raise BadInput(f"{field} must not contain NUL characters.", field=field)
    return list(values or [])


def id_values(values: list[str] | None, *, field: str) -> list[int]:
    ids = []
    for value in split_values(values, field=field):
        try:
            ids.append(parse_id(value))
        except ValueError:
            raise BadInput(f"{field}: {value!r} is not an id.", field=field) from None
    return ids


def wants_body(body_format: str | None) -> bool:
    """Whether `body-format` asks for the storage body; `none` or absent do not."""
    if body_format is None or body_format == "none":
        return False
    if body_format == "storage":
        return True
    raise BadInput(
        f"body-format {body_format!r} is not available here: use storage or none.",
        field="body-format",
    )
