"""The page editor in Chromium: typing Markdown shows the page it makes below the
form without saving, and a refused form gives back the body exactly as typed (the
refused form is answered with 400, which Chromium logs, so console problems are
checked before it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser import visit
from factories import make_space, make_user
from live_server import live_server
from oauth.support import password_hash
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Role

pytestmark = pytest.mark.slow


def test_typing_markdown_previews_it_and_a_refusal_keeps_the_text(
    sqlite_template: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    app = create_app(
        Settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path}/signoff.db",
        )
    )
    with live_server(app) as base:
        with app.state.db.write() as session:
            ada = make_user(session, "ada")
            ada.password_hash = password_hash()
            make_space(
                session,
                "LAB",
                admin=make_user(session, "root"),
                members={ada: Role.editor},
            )
        with visit(base) as tab:
            tab.sign_in_as("ada", "/spaces/LAB/new")
            preview = tab.page.get_by_role("region", name="Preview")
            expect(preview).to_be_hidden()
            typed = "\n# Plan\n\n\n    two   spaces kept\n\nSome *words*."
            tab.page.get_by_label("Body").fill(typed)
            expect(preview.get_by_role("heading", name="Plan")).to_be_visible()
            expect(preview.locator("em")).to_have_text("words")
            assert tab.problems == []
            tab.page.get_by_label("Title").fill("Plan")
            tab.page.get_by_label("Change message").fill("m" * 501)
            tab.page.get_by_role("button", name="Save").click()
            expect(tab.page.get_by_role("alert")).to_contain_text("Change message")
            assert tab.page.get_by_label("Body").input_value() == typed
            assert tab.page.get_by_label("Markdown").is_checked()
