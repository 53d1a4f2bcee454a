"""Statements and aliases built at import time are safe to share between threads.

SQLAlchemy fills an alias's column lookup on first use without a lock; a second
thread arriving mid-fill built a statement with a cartesian product, and under load
on PostgreSQL the status read answered 500. Every module-level alias is now filled
at import (`signoff.db.aliases`). These tests check that every such alias in a
freshly imported Signoff is filled, and hammer the status read from many threads in
a cold process on both databases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from factories import by, make_page, make_space, make_user, make_workflow, step
from signoff.actions.approvals import do_submit_page
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.pages import page_status_out
from signoff.db.models import Page
from signoff.db.session import Database
from signoff.domain.states import Role
from signoff.queries.status import page_status

HAMMER = Path(__file__).with_name("status_hammer.py")
COLD_RUNS = 4

FIND_ALIASES = """
import importlib, json, pkgutil
from sqlalchemy.orm.util import AliasedClass
import signoff
from signoff.db.aliases import is_warm
found, cold = [], []
for info in pkgutil.walk_packages(signoff.__path__, "signoff."):
    if ".migrations" in info.name:
        continue
    module = importlib.import_module(info.name)
    for name, value in vars(module).items():
        if isinstance(value, AliasedClass):
            where = f"{info.name}.{name}"
            found.append(where)
            if not is_warm(value):
                cold.append(where)
print(json.dumps({"found": sorted(set(found)), "cold": sorted(set(cold))}))
"""


def test_every_alias_built_at_import_is_ready_to_share() -> None:
    run = subprocess.run(
        [sys.executable, "-c", FIND_ALIASES],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(run.stdout)
    assert "signoff.queries.page_approvals._latest" in report["found"]
    assert len(report["found"]) >= 7
    assert report["cold"] == []


def test_status_reads_from_many_threads_in_a_cold_process_agree(
    db: Database, db_url: str
) -> None:
    with db.write() as session:
        ann = make_user(session, "ann", site_admin=True)
        eve = make_user(session, "eve")
        bob = make_user(session, "bob")
        space = make_space(
            session, admin=ann, members={eve: Role.editor, bob: Role.editor}
        )
        page = make_page(session, space, eve)
        make_workflow(session, space, ann, [step(bob)], pages=[page])
        do_submit_page(session, page, **by(eve))
        page_id = page.id
    with db.read() as session:
        status = page_status(session, session.get_one(Page, page_id))
        expected = plain(page_status_out(status), exclude={"success"})

    for _ in range(COLD_RUNS):
        report = _hammer(db_url, page_id)
        assert report["errors"] == []
        assert report["warnings"] == []
        assert [json.loads(answer) for answer in report["answers"]] == [expected]


def _hammer(url: str, page_id: int) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, str(HAMMER), url, str(page_id)],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(run.stdout)
    return report
