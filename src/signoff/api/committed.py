"""Counting what committed transactions wrote: audit events by action, and Confluence
polling passes by site and outcome.

Audit events are noted where they are appended (`actions.audit.record_event`); a
pass is noted when it stamps its site's row, by a mapper event. Either counts only
once its transaction commits (`db.committed_facts`), and neither adds a statement.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import object_session

from signoff.api.instruments import instruments
from signoff.db.committed_facts import (
    AUDIT_EVENT,
    SITE_POLLED,
    Fact,
    note_fact,
    watch_commits,
)
from signoff.db.models import ConfluenceSite


def count_committed_facts() -> None:
    """Start counting in this process (once; later calls change nothing)."""
    if not event.contains(ConfluenceSite, "before_update", _site_updated):
        event.listen(ConfluenceSite, "before_update", _site_updated)
    watch_commits(_count)


def _site_updated(_mapper: Any, _connection: Any, target: ConfluenceSite) -> None:
    """A pass ends by stamping `last_ok_at` (ok) or counting one more failure
    (failed); resetting the failures (new credentials) is no pass."""
    session = object_session(target)
    if session is None:
        return
    attrs = inspect(target).attrs
    failures = attrs.failures.history
    if attrs.last_ok_at.history.added and target.last_ok_at is not None:
        note_fact(session, SITE_POLLED, target.name, "ok")
    elif (
        failures.added and failures.deleted and failures.added[0] > failures.deleted[0]
    ):
        note_fact(session, SITE_POLLED, target.name, "failed")


def _count(committed: Counter[Fact]) -> None:
    counters = instruments()
    for fact, count in committed.items():
        match fact:
            case (kind, action) if kind == AUDIT_EVENT:
                counters.actions.labels(action=action).inc(count)
            case (kind, site, outcome) if kind == SITE_POLLED:
                counters.confluence_passes.labels(site=site, outcome=outcome).inc(count)
