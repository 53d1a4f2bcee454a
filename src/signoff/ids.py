"""Ids as every interface takes them: one type, `Id`, that refuses while parsing any
id the database cannot hold, so no query ever carries one; and `PageId`, a page as
clients name it, which may be a Confluence page id beyond that range.

Stored ids are 32-bit integers from 1 (INTEGER on SQLite and PostgreSQL). Any other
integer names nothing: it answers 404 like an id that is not there, "Page N not
found." (`api.errors` maps the `ID_NOT_FOUND` error, for the REST API, the page store
and the web UI alike); a value that is no integer at all is bad input (400). A page
id may go up to `MAX_PAGE_ID` (Confluence's page ids are 64-bit); which page it
names is `queries.page_refs`'s to say.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from signoff.domain.errors import BadInput, NotFound

MAX_ID = 2**31 - 1
MAX_PAGE_ID = 2**63 - 1
"""The largest page id a client may give: a Confluence page id is a 64-bit integer."""
ID_NOT_FOUND = "id_not_found"
# An optional minus and ASCII digits only (`str.isdigit` also takes "²" and other
# scripts' digits).
_INTEGER = re.compile(r"-?[0-9]+")
# Characters beyond the largest id's digits that may still be in range ("-0", "00");
# a longer integer is out of range without converting it.
_SLACK = 2
# The noun a parameter's name stands for, where it is not the name itself.
_NOUNS = {
    "changeset": "Change set",
    "parentcomment": "Comment",
    "parent": "Page",
    "number": "Version",
}


def stored_number(text: str, highest: int = MAX_ID) -> int | None:
    """`text` as an integer from 1 to `highest` (by default one the database can
    hold), else None."""
    if len(text) > len(str(highest)) + _SLACK or not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= highest else None


def parse_id(value: Any) -> int:
    """Ids travel as strings of digits ("12345"); plain integers are accepted too.

    Raises `ValueError` (400) for what is no integer, and the `ID_NOT_FOUND` error
    (404) for an integer outside the stored range.
    """
    return _parsed(value, MAX_ID)


def parse_page_id(value: Any) -> int:
    """A page id as clients give it: `parse_id` up to `MAX_PAGE_ID`, so that a
    Confluence page id ("2654210049") gets as far as the lookup that says which
    page it names."""
    return _parsed(value, MAX_PAGE_ID)


def _parsed(value: Any, highest: int) -> int:
    if isinstance(value, bool):
        raise ValueError("must be an id")
    if isinstance(value, int):
        shown = str(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        shown = value
    else:
        raise ValueError("must be an id: a string of digits")
    number = stored_number(shown, highest)
    if number is None:
        raise PydanticCustomError(ID_NOT_FOUND, "names nothing", {"id": shown})
    return number


Id = Annotated[
    int,
    BeforeValidator(parse_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,10}$", "example": "12345"}),
]
PageId = Annotated[
    int,
    BeforeValidator(parse_page_id),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{1,19}$", "example": "2654210049"}
    ),
]
"""A page as clients name it (`queries.page_refs`): its Confluence page id for a
page from Confluence, else its own id. Every other kind of id is an `Id`."""


def missing(field: str, shown: str) -> str:
    """The sentence for an id that names nothing, as the loaders word it:
    `pageRefs[0].pageId`, "0" -> "Page 0 not found."."""
    name = re.sub(r"\[\d+\]$", "", field).rsplit(".", 1)[-1]
    key = re.sub(r"(_?ids?|Ids?)$", "", name).replace("_", "").lower()
    noun = _NOUNS.get(key, key.capitalize())
    return f"{noun or 'Object'} {shown[:40]} not found."


def form_id(text: str, noun: str, highest: int = MAX_ID) -> int:
    """An id posted in a form: `BadInput` when it is no integer, `NotFound` when it
    is outside 1 to `highest`, by default one the database cannot hold (it names
    nothing). Pages pass `MAX_PAGE_ID`: a form names a page as clients do."""
    if not _INTEGER.fullmatch(text):
        raise BadInput(f"Choose a {noun.lower()}.", field=noun.lower())
    number = stored_number(text, highest)
    if number is None:
        raise NotFound(f"{noun} {text[:40]} not found.")
    return number
