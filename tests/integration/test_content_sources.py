"""The content-source seam: every page's content is reached through its source, and
every new version comes into being through one action, whatever the source.

The built-in store is the one source this server edits. A page kept elsewhere (here
a page recorded as coming from Confluence) keeps its recorded versions readable but
is never edited by Signoff: the edit is refused with the reason, and nothing is
written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id
from factories import by, edit, make_page, make_space, make_user
from signoff.actions.pages import do_edit_page
from signoff.connectors import source_of
from signoff.connectors.builtin import BUILTIN, BuiltinStore
from signoff.connectors.confluence.source import ConfluencePages, site_of, source_name
from signoff.db.models import Page, PageVersion, User
from signoff.db.session import Database
from signoff.domain.errors import InvalidState, NotFound
from signoff.domain.states import Role

SRC = Path(__file__).resolve().parents[2] / "src" / "signoff"


@pytest.fixture
def page_id(db: Database) -> int:
    with db.write() as s:
        ann = make_user(s, "ann")
        bob = make_user(s, "bob")
        space = make_space(s, admin=ann, members={bob: Role.editor})
        page = make_page(s, space, bob, body="<p>one</p>")
        edit(s, page, bob, "<p>two</p>")
        return page.id


def _kept_elsewhere(db: Database, page_id: int) -> None:
    with db.write() as s:
        page = s.get_one(Page, page_id)
        page.source, page.external_id = "confluence", "98304"


def test_a_new_page_is_in_the_built_in_store_and_its_bodies_read_from_it(
    db: Database, page_id: int
) -> None:
    with db.read() as s:
        page = s.get_one(Page, page_id)
        source = source_of(page)
        assert page.source == BUILTIN and isinstance(source, BuiltinStore)
        assert source.edit_refusal(page) is None
        assert source.latest_version(s, page).number == 2
        assert source.version_body(s, page, 1) == "<p>one</p>"
        assert source.version_body(s, page, 2) == "<p>two</p>"
        with pytest.raises(NotFound, match=f"Page {page_id} has no version 3."):
            source.version_body(s, page, 3)


def test_a_page_kept_in_another_source_is_refused_an_edit_and_nothing_is_written(
    db: Database, page_id: int
) -> None:
    _kept_elsewhere(db, page_id)
    with db.write() as s:
        bob = s.scalars(select(User).where(User.username == "bob")).one()
        mark = last_event_id(s)
        with pytest.raises(InvalidState) as refused:
            do_edit_page(s, s.get_one(Page, page_id), body="<p>three</p>", **by(bob))
        assert str(refused.value) == (
            f"Page {page_id} is kept in 'confluence', not in Signoff's store: edit it "
            "there, and Signoff records each new version as it sees it."
        )
        assert actions_since(s, mark) == []
        count = select(func.count()).where(PageVersion.page_id == page_id)
        assert s.scalar(count) == 2


def test_a_page_kept_in_another_source_still_reads_its_recorded_versions(
    db: Database, page_id: int
) -> None:
    _kept_elsewhere(db, page_id)
    with db.read() as s:
        page = s.get_one(Page, page_id)
        source = source_of(page)
        assert source.name == "confluence"
        assert source.latest_version(s, page).number == 2
        assert source.version_body(s, page, 1) == "<p>one</p>"
        with pytest.raises(NotFound, match="has not been fetched from 'confluence'"):
            source.version_body(s, page, 7)


def test_a_confluence_page_is_edited_in_confluence_not_here(
    db: Database, page_id: int
) -> None:
    with db.write() as s:
        page = s.get_one(Page, page_id)
        page.source, page.external_id = source_name(3), "718962697"
    with db.write() as s:
        bob = s.scalars(select(User).where(User.username == "bob")).one()
        page = s.get_one(Page, page_id)
        source = source_of(page)
        assert isinstance(source, ConfluencePages) and source.name == "confluence:3"
        assert source.version_body(s, page, 2) == "<p>two</p>"
        with pytest.raises(InvalidState) as refused:
            do_edit_page(s, page, body="<p>three</p>", **by(bob))
        assert str(refused.value) == (
            "Page 718962697 is kept in Confluence: edit it there, and Signoff "
            "records the new version at its next pass."
        )
        with pytest.raises(NotFound, match="version 5 was not seen by a pass"):
            source.version_body(s, page, 5)


@pytest.mark.parametrize(
    ("source", "site"),
    [
        ("confluence:3", 3),
        ("confluence:", None),
        ("confluence:x", None),
        ("confluence:\u0663", None),
        ("builtin", None),
    ],
)
def test_a_confluence_source_names_its_site(source: str, site: int | None) -> None:
    assert site_of(source) == site


def test_only_the_versions_action_creates_page_versions() -> None:
    """One entry point for every new version: no other module builds the row."""
    builders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "PageVersion"
            ):
                builders.append(path.relative_to(SRC).as_posix())
    assert builders == ["actions/versions.py"]
