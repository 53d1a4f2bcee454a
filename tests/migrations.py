"""Helpers for the tests that downgrade one migration and upgrade again."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory


def revision_before(config: Config, revision: str) -> str:
    """The revision `revision` follows: downgrading to it undoes only `revision` (and
    whatever came after it)."""
    found = ScriptDirectory.from_config(config).get_revision(revision)
    assert found is not None
    assert isinstance(found.down_revision, str)
    return found.down_revision
