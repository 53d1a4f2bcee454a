"""Ids as every interface takes them: one type, `Id`, that refuses while parsing any
id the database cannot hold, so no query ever carries one.

Stored ids are 32-bit integers from 1 (INTEGER on SQLite and PostgreSQL). Any other
integer names nothing: it answers 404 like an id that is not there, "Page N not
found." (`api.errors` maps the `ID_NOT_FOUND` error, for the REST API, the page store
and the web UI alike); a value that is no integer at all is bad input (400).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from signoff.domain.errors import BadInput, NotFound

MAX_ID = 2**31 - 1
ID_NOT_FOUND = "id_not_found"
# An optional minus and ASCII digits only (`str.isdigit` also takes "²" and other
# scripts' digits).
_INTEGER = re.compile(r"-?[0-9]+")
_LONGEST = 12  # characters; a longer integer is out of range without converting it
# The noun a parameter's name stands for, where it is not the name itself.
_NOUNS = {
    "changeset": "Change set",
    "parentcomment": "Comment",
    "parent": "Page",
    "number": "Version",
}


def stored_number(text: str) -> int | None:
    """`text` as an integer the database can hold (1 to `MAX_ID`), else None."""
    if len(text) > _LONGEST or not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_id(value: Any) -> int:
    """Ids travel as strings of digits ("12345"); plain integers are accepted too.

    Raises `ValueError` (400) for what is no integer, and the `ID_NOT_FOUND` error
    (404) for an integer outside the stored range.
    """
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        shown = str(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        shown = value
    else:
        raise ValueError("must be an id: a string of digits")
    number = stored_number(shown)
    if number is None:
        raise PydanticCustomError(ID_NOT_FOUND, "names nothing", {"id": shown})
    return number


Id = Annotated[
    int,
    BeforeValidator(parse_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,10}$", "example": "12345"}),
]


def missing(field: str, shown: str) -> str:
    """The sentence for an id that names nothing, as the loaders word it:
    `pageRefs[0].pageId`, "0" -> "Page 0 not found."."""
    name = re.sub(r"\[\d+\]$", "", field).rsplit(".", 1)[-1]
    key = re.sub(r"(_?ids?|Ids?)$", "", name).replace("_", "").lower()
    noun = _NOUNS.get(key, key.capitalize())
    return f"{noun or 'Object'} {shown[:40]} not found."


def form_id(text: str, noun: str) -> int:
    """An id posted in a form: `BadInput` when it is no integer, `NotFound` when it
    is one the database cannot hold (it names nothing)."""
    if not _INTEGER.fullmatch(text):
        raise BadInput(f"Choose a {noun.lower()}.", field=noun.lower())
    number = stored_number(text)
    if number is None:
        raise NotFound(f"{noun} {text[:40]} not found.")
    return number
