"""The background poller against the stand-in site: a pass every interval, in a
thread of its own, in `signoff serve`'s background worker and in `signoff worker`;
a failed pass is logged without the credential and the loop goes on."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.support import json_out, signoff
from confluence.governed import SITE_KEY, Governed
from live_server import live_server
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.connectors.confluence.connect import seal_credentials
from signoff.connectors.confluence.http import Credentials
from signoff.db.models import ConfluenceSite as SiteRow
from signoff.db.models import Page
from signoff.db.session import Database
from signoff.notify.poller import ConfluencePoller

DEADLINE_S = 30.0
INTERVAL_S = 0.05


def settings_for(
    gov: Governed, db_url: str, data_dir: Path, **more: object
) -> Settings:
    port = gov.running.root.rsplit(":", 1)[1]
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        secret_key=SITE_KEY,
        confluence_allow=f"127.0.0.1:{port}",
        **more,  # type: ignore[arg-type]
    )


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def version_of(db: Database, external_id: str) -> int | None:
    with db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == external_id))
        return page.current_version if page else None


def test_the_poller_records_changes_pass_after_pass_until_stopped(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    site = gov.site
    runbook = site.add_page(gov.remote_space, "Runbook", "<p>One.</p>")
    poller = ConfluencePoller(
        gov.db, settings_for(gov, db_url, tmp_path), SITE_KEY, gov.clock, INTERVAL_S
    ).start()
    try:
        eventually(lambda: version_of(gov.db, runbook.id) == 1, "the first version")
        site.clock.advance(minutes=1)
        site.edit_page(runbook, body="<p>Two.</p>")
        eventually(lambda: version_of(gov.db, runbook.id) == 2, "the edit")
    finally:
        poller.stop()
    assert not poller.running
    assert poller.passes >= 2


def test_a_failed_pass_is_logged_without_the_credential_and_the_loop_goes_on(
    gov: Governed, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = gov.site
    (old,) = site.api_tokens
    site.revoke(old)
    runbook = site.add_page(gov.remote_space, "Runbook", "<p>One.</p>")
    poller = ConfluencePoller(
        gov.db, settings_for(gov, db_url, tmp_path), SITE_KEY, gov.clock, INTERVAL_S
    )
    with caplog.at_level(logging.WARNING, logger="signoff.notify.poller"):
        poller.start()
        try:
            eventually(lambda: poller.passes >= 2, "two passes")
            new = site.add_api_token(site.user_of(old) or gov.author)
            with gov.db.write() as s:
                row = s.get(SiteRow, gov.site_id)
                assert row is not None
                row.sealed_secret = seal_credentials(
                    SITE_KEY, row.id, Credentials("basic", new.token, new.email)
                )
            site.clock.advance(minutes=5)  # past the failing site's rest
            eventually(lambda: version_of(gov.db, runbook.id) == 1, "the page")
        finally:
            poller.stop()
    failures = [r.getMessage() for r in caplog.records if "401" in r.getMessage()]
    assert failures, caplog.text
    assert "acme" in failures[0]
    assert "Client must be authenticated" in failures[0]
    assert old.token not in caplog.text and new.token not in caplog.text


def test_the_server_polls_in_the_background_beside_the_outbox(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    runbook = gov.site.add_page(gov.remote_space, "Runbook", "<p>One.</p>")
    settings = settings_for(
        gov, db_url, tmp_path / "data", run_worker=True, confluence_poll_seconds=1.0
    )
    app = create_app(settings)
    with live_server(app):
        background = app.state.outbox_worker
        assert background.running and background.poller.running
        eventually(lambda: version_of(gov.db, runbook.id) == 1, "the page")
    assert not background.poller.running
    assert not background.running


def test_worker_once_runs_one_pass_and_counts_it(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    runbook = gov.site.add_page(gov.remote_space, "Runbook", "<p>One.</p>")
    port = gov.running.root.rsplit(":", 1)[1]
    env = {
        "SIGNOFF_SECRET_KEY": SITE_KEY,
        "SIGNOFF_CONFLUENCE_ALLOW": f"127.0.0.1:{port}",
    }

    result = signoff(db_url, tmp_path, "worker", "--once", "--json", env=env)

    assert result.exit_code == 0, result.output
    assert json_out(result)["confluence"] == {
        "pagesSeen": 2,
        "versionsRecorded": 2,
        "superseded": 0,
        "staled": 0,
        "waitedForRateLimitSeconds": 0,
    }
    assert version_of(gov.db, runbook.id) == 1
    human = signoff(db_url, tmp_path, "worker", "--once", env=env)
    assert "Confluence: 2 page(s) seen, 0 version(s) recorded." in human.stdout


def test_the_worker_process_polls_until_it_is_stopped(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    runbook = gov.site.add_page(gov.remote_space, "Runbook", "<p>One.</p>")
    port = gov.running.root.rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    env |= {
        "SIGNOFF_SECRET_KEY": SITE_KEY,
        "SIGNOFF_CONFLUENCE_ALLOW": f"127.0.0.1:{port}",
        "SIGNOFF_CONFLUENCE_POLL_SECONDS": "1",
    }
    command = [
        sys.executable, "-m", "signoff.cli.main", "worker", "--idle-sleep", "0.05",
        "--database-url", db_url, "--data-dir", str(tmp_path / "data"),
    ]  # fmt: skip
    output = tmp_path / "worker.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        eventually(lambda: version_of(gov.db, runbook.id) == 1, "the page")
        gov.site.clock.advance(minutes=1)
        gov.site.edit_page(runbook, body="<p>Two.</p>")
        eventually(lambda: version_of(gov.db, runbook.id) == 2, "the edit")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=DEADLINE_S)
    assert code == 0, output.read_text()
