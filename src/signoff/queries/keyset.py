"""Keyset pagination for the page store's lists: orders, opaque cursors, one page.

A cursor names its order and the last row's sort key, so each page of results is one
statement that starts where the last one stopped; its cost grows with the page asked
for, never with the table. Cursors are checked, never trusted: one this server could
not have given out is a `BadInput`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from signoff.domain.errors import BadInput
from signoff.ids import MAX_ID, stored_number

MAX_LIMIT = 250
_CURSOR_TAG = "s1"


@dataclass(frozen=True)
class Window:
    """Which slice of a list: an order's name, the cursor given out, how many."""

    order: str
    cursor: str | None = None
    limit: int = 25

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not 1 <= self.limit <= MAX_LIMIT:
            raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")


@dataclass(frozen=True)
class Order:
    """A sort: a column (or the id alone), its direction, and the id as tie-break."""

    column: Any
    ident: Any
    descending: bool = False


def encode_cursor(order: str, key: Sequence[Any]) -> str:
    raw = json.dumps([_CURSOR_TAG, order, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str) -> list[Any]:
    """The sort key a cursor carries; `BadInput` for one not given out for `order`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        parts = None
    if (
        isinstance(parts, list)
        and len(parts) in (3, 4)
        and parts[:2] == [_CURSOR_TAG, order]
        and all(_plausible(part) for part in parts[2:])
        and isinstance(parts[-1], int)
        and encode_cursor(order, parts[2:]) == cursor
    ):
        return parts[2:]
    raise _foreign_cursor()


def id_cursor(cursor: str) -> int:
    """The id a plain id cursor carries (the audit trail's: the last event shown);
    `BadInput` for anything but an id the database could hold, so no query runs."""
    number = stored_number(cursor)
    if number is None:
        raise _foreign_cursor()
    return number


def _foreign_cursor() -> BadInput:
    return BadInput("cursor is not one this server gave out.", field="cursor")


def _plausible(part: Any) -> bool:
    """A key value this server could have written: a stored id, title or time."""
    if isinstance(part, bool):
        return False
    if isinstance(part, int):
        return 0 <= part <= MAX_ID
    return isinstance(part, str) and "\x00" not in part and len(part) <= 1000


def _key_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _beyond(column: Any, value: Any, descending: bool) -> ColumnElement[bool]:
    return column < value if descending else column > value  # type: ignore[no-any-return]


def _after(order: Order, key: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `key` in the order (the keyset condition)."""
    last_id = key[-1]
    if order.column is None:
        if len(key) != 1:
            raise _foreign_cursor()
        return _beyond(order.ident, last_id, order.descending)
    value, kind = key[0], order.column.type.python_type
    if kind is datetime:
        value = _moment(value)
    elif not isinstance(value, kind) or len(key) != 2:
        raise _foreign_cursor()
    return or_(
        _beyond(order.column, value, order.descending),
        and_(order.column == value, _beyond(order.ident, last_id, order.descending)),
    )


def _moment(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _foreign_cursor()
    return moment


def paginate(
    session: Session, query: Select[*tuple[Any, ...]], order: Order, window: Window
) -> tuple[list[Any], str | None]:
    """One page of rows in `order`, and the cursor of the next (None on the last).

    The query must select the order's column (if any) and then the id as its first
    two columns, so the cursor can be made from the last row.
    """
    if window.cursor:
        query = query.where(_after(order, decode_cursor(window.cursor, window.order)))
    columns = [order.ident] if order.column is None else [order.column, order.ident]
    sorted_by = [c.desc() if order.descending else c.asc() for c in columns]
    rows = list(
        session.execute(query.order_by(*sorted_by).limit(window.limit + 1)).all()
    )
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    if not more:
        return rows, None
    width = len(columns)
    key = [_key_value(value) for value in tuple(rows[-1])[:width]]
    return rows, encode_cursor(window.order, key)


def named_order(orders: dict[str, Order], name: str) -> Order:
    if name not in orders:
        raise BadInput(f"sort must be one of {', '.join(orders)}.", field="sort")
    return orders[name]


def sort_columns(order: Order) -> Select[*tuple[Any, ...]]:
    if order.column is None:
        return select(order.ident)
    return select(order.column, order.ident)


def key_width(order: Order) -> int:
    return 1 if order.column is None else 2
