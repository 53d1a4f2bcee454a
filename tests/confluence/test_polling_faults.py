"""A pass against a site that misbehaves: rate limits, outages, a revoked token,
a listing that lags, and a pass killed halfway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from confluence.governed import SITE_KEY, Governed
from factories import by, make_user, make_workflow, step
from signoff.actions.approvals import do_submit_page
from signoff.actions.confluence.polling import run_pass
from signoff.actions.spaces import do_add_member
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceSpaceLink,
    Page,
    PageVersion,
    Space,
)
from signoff.db.models import (
    ConfluenceSite as SiteRow,
)
from signoff.domain.states import Origin, Role


def _site_row(g: Governed) -> SiteRow:
    with g.db.read() as s:
        row = s.get(SiteRow, g.site_id)
        assert row is not None
        s.expunge(row)
        return row


def _version_rows(g: Governed) -> list[tuple[str | None, int]]:
    with g.db.read() as s:
        return [
            (external, number)
            for external, number in s.execute(
                select(Page.external_id, PageVersion.number)
                .join(PageVersion, PageVersion.page_id == Page.id)
                .order_by(Page.external_id, PageVersion.number)
            )
        ]


def test_a_429_storm_is_waited_out_with_no_call_before_retry_after(
    gov: Governed,
) -> None:
    gov.site.add_pages(gov.remote_space, 20)
    gov.site.faults.rate_limit(3, retry_after=1)

    report = gov.sync()

    assert report.errors == []
    assert gov.site.log.early_requests() == []
    assert report.waited_seconds >= 1.0
    assert report.recorded.pages_found == 21
    assert len(_version_rows(gov)) == 21
    assert gov.sync().recorded.versions == 0


def test_a_503_with_an_http_date_is_honoured_and_the_pass_completes(
    gov: Governed,
) -> None:
    gov.site.add_pages(gov.remote_space, 3)
    gov.site.faults.unavailable(2, retry_after=1, as_http_date=True)

    report = gov.sync()

    assert report.errors == []
    assert gov.site.log.early_requests() == []
    assert report.recorded.pages_found == 4


def test_a_long_retry_after_ends_the_pass_and_holds_every_later_pass(
    gov: Governed,
) -> None:
    gov.site.add_pages(gov.remote_space, 3)
    gov.site.faults.rate_limit(1, retry_after=3600)

    first = gov.sync()
    calls = gov.site.log.count()
    second = gov.sync()

    assert first.errors and "wait until" in first.errors[0]
    assert second.errors and "wait until" in second.errors[0]
    assert gov.site.log.count() == calls  # nothing sent while held
    row = _site_row(gov)
    assert row.hold_until is not None and row.failures >= 1
    assert _version_rows(gov) == []


def test_a_revoked_token_marks_the_site_failing_and_background_passes_rest(
    gov: Governed,
) -> None:
    gov.site.add_pages(gov.remote_space, 2)
    gov.sync()
    for token in gov.site.api_tokens:
        gov.site.revoke(token)

    report = gov.sync()
    calls = gov.site.log.count()
    rested = run_pass(gov.db, gov.reach, clock=gov.clock, patient=True)

    assert report.errors and "401" in report.errors[0]
    row = _site_row(gov)
    assert row.failures == 1 and row.failing_since is not None
    assert row.last_error is not None and "401" in row.last_error
    assert rested.skipped_sites == ["acme"]
    assert gov.site.log.count() == calls
    with gov.db.read() as s:
        link = s.scalar(select(ConfluenceSpaceLink))
        assert link is not None and link.last_error == row.last_error


def test_an_edit_the_listing_has_not_caught_up_with_is_read_by_id_for_a_review(
    gov: Governed,
) -> None:
    with gov.db.write() as s:
        space = s.get(Space, gov.space_id)
        assert space is not None
        ann, bob, carl = (make_user(s, n) for n in ("ann", "bob", "carl"))
        do_add_member(s, space, ann, Role.admin, **by(None, Origin.cli))
        do_add_member(s, space, bob, Role.editor, **by(None, Origin.cli))
        do_add_member(s, space, carl, Role.viewer, **by(None, Origin.cli))
        make_workflow(s, space, ann, [step(carl)], space_default=True)
        ada = make_user(s, "ada")
        s.expunge_all()
    gov.map(gov.author.account_id, ada)
    page = gov.site.add_page(gov.remote_space, "Policy", "<p>a</p>", author=gov.author)
    gov.sync()
    with gov.db.write() as s:
        row = s.scalar(select(Page).where(Page.external_id == page.id))
        assert row is not None
        request_id = do_submit_page(s, row, **by(bob)).id
    gov.site.set_listing_lag(600)
    gov.site.clock.advance(minutes=1)
    gov.site.edit_page(page, body="<p>b</p>", author=gov.author)

    report = gov.sync()

    assert report.recorded.superseded == 1
    with gov.db.read() as s:
        request = s.get(ApprovalRequest, request_id)
        assert request is not None and request.status == "superseded"


DRIVER = """
import sys
from datetime import datetime, UTC
from signoff.actions.confluence.polling import SiteReach, run_pass
from signoff.db.session import Database, make_engine
from signoff.outbound.allowlist import AllowList
db = Database(make_engine(sys.argv[1]))
run_pass(db, SiteReach(sys.argv[2], AllowList.parse(sys.argv[3])),
         clock=lambda: datetime.now(UTC))
"""


def test_a_pass_killed_halfway_is_finished_by_the_next_without_duplicates(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    gov.site.add_pages(gov.remote_space, 1500)
    port = gov.running.root.rsplit(":", 1)[1]
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, db_url, SITE_KEY, f"127.0.0.1:{port}"],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if len(_version_rows(gov)) >= 50:
                break
            time.sleep(0.05)
        assert child.poll() is None, "the pass ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    halfway = len(_version_rows(gov))
    with gov.db.read() as s:
        link = s.scalar(select(ConfluenceSpaceLink))
        assert link is not None and link.watermark is None
    assert 50 <= halfway < 1501

    report = gov.sync()

    rows = _version_rows(gov)
    assert len(rows) == 1501 == len(set(rows))
    assert report.recorded.pages_found == 1501 - halfway
    with gov.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Page)) == 1501
