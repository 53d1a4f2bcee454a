"""The ad-hoc form's people picker in Chromium: typing in its filter box leaves
only the people whose name matches, and clearing it shows everyone again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser import visit
from factories import make_page, make_space, make_user
from live_server import live_server
from oauth.support import password_hash
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Role

pytestmark = pytest.mark.slow


def test_the_people_filter_narrows_the_picker(
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
            bob, carol = make_user(session, "bob"), make_user(session, "carol")
            space = make_space(
                session,
                "LAB",
                admin=make_user(session, "root"),
                members={ada: Role.editor, bob: Role.viewer, carol: Role.viewer},
            )
            url = f"/spaces/LAB/pages/{make_page(session, space, ada).id}"
        with visit(base) as tab:
            tab.sign_in_as("ada", url)
            tab.page.get_by_test_id("ask-approval").click()
            picker = tab.page.get_by_role("group", name="People to ask")
            bob_box = picker.get_by_label("Bob (bob)")
            carol_box = picker.get_by_label("Carol (carol)")
            expect(bob_box).to_be_visible()
            tab.page.get_by_label("Filter people").fill("car")
            expect(carol_box).to_be_visible()
            expect(bob_box).to_be_hidden()
            tab.page.get_by_label("Filter people").fill("")
            expect(bob_box).to_be_visible()
            assert tab.problems == []
