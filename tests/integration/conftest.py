"""Fixtures the integration tests share beyond tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signoff.db.session import Database, make_engine


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    """A Database on a fresh SQLite file, for what only SQLite has (its writer
    queue, its checkpoints)."""
    database = Database(make_engine(sqlite_url))
    yield database
    database.dispose()
