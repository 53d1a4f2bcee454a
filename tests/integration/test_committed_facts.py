"""Facts for monitoring count only once their transaction commits: a rollback, or a
savepoint rolled back, drops what it wrote; a released savepoint counts with its
transaction."""

from __future__ import annotations

from collections import Counter

import pytest
from prometheus_client import REGISTRY

from factories import make_user
from signoff.api.committed import count_committed_facts
from signoff.db.committed_facts import Fact, note_fact, watch_commits
from signoff.db.session import Database

seen: Counter[Fact] = Counter()


def _remember(committed: Counter[Fact]) -> None:
    seen.update(committed)


@pytest.fixture(autouse=True)
def watched() -> None:
    watch_commits(_remember)
    seen.clear()


class Refused(Exception):
    pass


def test_a_fact_counts_when_its_transaction_commits(db: Database) -> None:
    with db.write() as s:
        note_fact(s, "test", "a")
        note_fact(s, "test", "a")
        assert seen == Counter()  # not before the commit
    assert seen == Counter({("test", "a"): 2})


def test_a_rolled_back_transaction_counts_nothing(db: Database) -> None:
    with pytest.raises(Refused), db.write() as s:
        note_fact(s, "test", "b")
        raise Refused
    with db.write() as s:
        pass
    assert seen == Counter()


def test_a_rolled_back_savepoint_drops_only_its_own_facts(db: Database) -> None:
    with db.write() as s:
        note_fact(s, "test", "kept")
        with pytest.raises(Refused), s.begin_nested():
            note_fact(s, "test", "dropped")
            raise Refused
        note_fact(s, "test", "after")
    assert seen == Counter({("test", "kept"): 1, ("test", "after"): 1})


def test_a_released_savepoint_counts_with_its_transaction(db: Database) -> None:
    with db.write() as s:
        with s.begin_nested():
            note_fact(s, "test", "inner")
            with s.begin_nested():
                note_fact(s, "test", "innermost")
        assert seen == Counter()
    assert seen == Counter({("test", "inner"): 1, ("test", "innermost"): 1})


def test_a_released_savepoint_counts_nothing_when_its_transaction_rolls_back(
    db: Database,
) -> None:
    with pytest.raises(Refused), db.write() as s:
        with s.begin_nested():
            note_fact(s, "test", "inner")
        raise Refused
    assert seen == Counter()


def created_users() -> float:
    return (
        REGISTRY.get_sample_value("signoff_actions_total", {"action": "user.created"})
        or 0.0
    )


def test_audit_events_count_by_action_only_when_committed(db: Database) -> None:
    count_committed_facts()
    before = created_users()
    with db.write() as s:
        savepoint = s.begin_nested()
        make_user(s, "undone")
        savepoint.rollback()
        make_user(s, "kept")
    with pytest.raises(Refused), db.write() as s:
        make_user(s, "refused")
        raise Refused
    assert created_users() == before + 1
