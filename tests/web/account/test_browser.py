"""The account and audit pages in Debian's Chromium, against Signoff under uvicorn.

A space admin creates a personal token, sees it once, revokes it, and opens the
space's audit trail. Screenshots go to `.artifacts/` at desktop and phone widths.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import screenshot
from factories import PASSWORD
from live_server import live_server
from signoff.api.app import create_app
from signoff.config import Settings
from web.conftest import populate

pytestmark = pytest.mark.slow


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    populate(app.state.db)
    with live_server(app) as base_url:
        yield base_url


def test_an_admin_creates_and_revokes_a_token_and_reads_the_trail(
    site: str, chromium: Any
) -> None:
    from playwright.sync_api import expect

    base_url = site
    problems: list[str] = []
    page = chromium.new_page(viewport={"width": 1360, "height": 900})
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type == "error" else None
        ),
    )
    page.goto(base_url + "/queue")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/queue")

    page.get_by_role("link", name="Account").click()
    page.wait_for_url(base_url + "/account")
    expect(page.get_by_role("heading", name="Personal access tokens")).to_be_visible()
    page.get_by_label("Name").fill("release pipeline")
    page.get_by_label("read:audit").check()
    page.get_by_label("read:change-set").check()
    page.get_by_label("Expires in (days)").fill("30")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now")).to_be_visible()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("sgnp_")
    screenshot(page, "account-new-token")

    page.get_by_role("button", name="Revoke release pipeline").click()
    page.wait_for_url(base_url + "/account")
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(page.get_by_text("Copy it now")).to_have_count(0)
    assert secret not in page.content()
    screenshot(page, "account-revoked")

    # The admin administers DOCS alone, so the trail opens on it.
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("status")).to_contain_text("Chain verified:")
    expect(page.get_by_role("button", name="Export CSV")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Guide")
    page.get_by_label("Actor").fill("approver")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text("Approver")
    screenshot(page, "audit-trail")
    assert problems == []


def test_the_audit_export_downloads_and_forged_forms_are_refused(
    site: str, chromium: Any
) -> None:
    """The CSV export arrives as a file; a form posted from another site, or from
    this one without the session's CSRF token, creates nothing."""
    import csv
    import http.server
    import threading

    from playwright.sync_api import expect

    base_url = site
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/audit?space=DOCS")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/audit?space=DOCS")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    saved = download.value
    assert saved.suggested_filename == "signoff-audit-DOCS.csv"
    with open(saved.path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    actions = {row["action"] for row in rows}
    assert {"approval.submitted", "approval.approved", "approval.rejected"} <= actions

    # Another site's page that posts a token request to Signoff on load.
    forged = (
        f'<form id="f" method="post" action="{base_url}/account/tokens">'
        '<input name="name" value="forged"><input name="scope" value="read:audit">'
        "</form><p>Win a prize</p>"
    ).encode()

    class Attacker(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(forged)

        def log_message(self, *args: Any) -> None:
            return None

    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    thread = threading.Thread(target=attacker.serve_forever, daemon=True)
    thread.start()
    try:
        evil = context.new_page()
        evil.goto(f"http://localhost:{attacker.server_address[1]}/")
        with evil.expect_navigation():
            evil.evaluate("document.getElementById('f').submit()")
        # The session cookie is SameSite=Lax: the cross-site post arrives without
        # it and is sent to sign in; signed in already, the person lands at home.
        assert evil.url == base_url + "/spaces"
        assert "Copy it now" not in evil.content()
        evil.close()
    finally:
        attacker.shutdown()
        attacker.server_close()
        thread.join()

    # Same site, signed in, but without the form's CSRF token: refused with 403.
    response = page.request.post(
        base_url + "/account/tokens",
        form={"name": "forged", "scope": "read:audit"},
        max_redirects=0,
    )
    assert response.status == 403
    assert "The form expired" in response.text()
    page.goto(base_url + "/account")
    expect(page.get_by_role("heading", name="Personal access tokens")).to_be_visible()
    assert "forged" not in page.content()
