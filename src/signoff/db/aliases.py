"""Aliases of mapped classes that statements built at import time share between threads.

SQLAlchemy fills an alias's column lookup (the index `corresponding_column` reads)
lazily, on first use, and not under a lock: a thread that comes second while the
first is still filling it sees a part of the index, fails to find a column, warns
"Did not locate an expression in selectable" and puts the base table's column in the
statement instead, which joins the table a second time as a cartesian product. Under
concurrent load on a cold process that gave wrong rows and 500s. `shared_alias` fills
the lookup once, when the module that owns the alias is imported (imports hold a
lock), so every thread afterwards only reads it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import aliased

T = TypeVar("T")


def shared_alias(entity: type[T], name: str) -> type[T]:
    """`aliased(entity, name=name)`, its column lookup filled before it is shared."""
    alias = aliased(entity, name=name)
    warm_alias(alias)
    return alias


def warm_alias(alias: Any) -> None:
    """Fill `alias`'s column collection and its column lookup now, in this thread."""
    selectable = inspect(alias).selectable
    table = inspect(alias).mapper.local_table
    for column in table.columns:
        # The first call builds the whole lookup; the rest check it is complete.
        if selectable.corresponding_column(column) is None:
            raise AssertionError(f"alias {alias!r} lacks column {column.key!r}")


def is_warm(alias: Any) -> bool:
    """Whether `alias`'s column lookup is filled (for the test that keeps it so)."""
    columns = inspect(alias).selectable.c
    return bool(columns._proxy_index)
