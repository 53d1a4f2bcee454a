"""A page has one name outside: a Confluence page its Confluence page id, any other
page its own id. Resolved in one statement, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from factories import (
    make_confluence_page,
    make_confluence_site,
    make_page,
    make_space,
    make_user,
)
from signoff.db.models import Page, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, NotFound
from signoff.domain.states import Role
from signoff.queries.page_refs import (
    access_page_by_public_id,
    get_page_by_public_id,
    get_pages_by_public_id,
    public_id_column,
    public_page_id,
)

CONFLUENCE_ID = "2654210049"  # beyond 2**31, as real Confluence page ids are


@dataclass(frozen=True)
class Pages:
    confluence: int
    builtin: int
    reader: int
    outsider: int


@pytest.fixture
def pages(db: Database) -> Pages:
    with db.write() as s:
        ann, bob, eve = make_user(s, "ann"), make_user(s, "bob"), make_user(s, "eve")
        space = make_space(s, admin=ann, members={bob: Role.viewer})
        make_space(s, "OPS", admin=eve)
        site = make_confluence_site(s)
        confluence = make_confluence_page(s, space, ann, site, CONFLUENCE_ID)
        builtin = make_page(s, space, ann, title="Install guide")
        return Pages(confluence.id, builtin.id, bob.id, eve.id)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if args[2].startswith("SELECT"):  # not SQLite's BEGIN
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_confluence_page_is_named_by_its_confluence_page_id(
    db: Database, pages: Pages
) -> None:
    with db.read() as s, counting(db.engine) as statements:
        page = get_page_by_public_id(s, int(CONFLUENCE_ID))
        assert page is not None and page.id == pages.confluence
        assert public_page_id(page) == CONFLUENCE_ID
    assert len(statements) == 1


def test_the_own_id_of_a_confluence_page_names_nothing(
    db: Database, pages: Pages
) -> None:
    with db.read() as s:
        assert get_page_by_public_id(s, pages.confluence) is None


def test_a_page_of_signoff_is_named_by_its_own_id(db: Database, pages: Pages) -> None:
    with db.read() as s:
        page = get_page_by_public_id(s, pages.builtin)
        assert page is not None and page.id == pages.builtin
        assert public_page_id(page) == str(pages.builtin)


def test_a_confluence_page_id_outranks_an_own_id_that_is_the_same_number(
    db: Database, pages: Pages
) -> None:
    with db.write() as s:
        confluence = s.get_one(Page, pages.confluence)
        confluence.external_id = str(pages.builtin)
    with db.read() as s:
        page = get_page_by_public_id(s, pages.builtin)
        assert page is not None and page.id == pages.confluence


def test_one_page_id_on_two_sites_is_refused_rather_than_guessed(
    db: Database, pages: Pages
) -> None:
    with db.write() as s:
        page = s.get_one(Page, pages.builtin)
        other = make_confluence_site(s, "globex")
        page.source, page.external_id = f"confluence:{other.id}", CONFLUENCE_ID
    with db.read() as s:
        with pytest.raises(BadInput, match="more than one Confluence site"):
            get_page_by_public_id(s, int(CONFLUENCE_ID))
        with pytest.raises(BadInput, match=f"Page {CONFLUENCE_ID} is a page id"):
            get_pages_by_public_id(s, [pages.builtin, int(CONFLUENCE_ID)])


def test_many_pages_are_named_in_one_statement(db: Database, pages: Pages) -> None:
    unknown = 2**40
    with db.read() as s, counting(db.engine) as statements:
        found = get_pages_by_public_id(
            s, [int(CONFLUENCE_ID), pages.builtin, pages.confluence, unknown]
        )
        assert {number: page.id for number, page in found.items()} == {
            int(CONFLUENCE_ID): pages.confluence,
            pages.builtin: pages.builtin,
        }
    assert len(statements) == 1


def test_the_sql_public_id_is_the_one_public_page_id_gives(
    db: Database, pages: Pages
) -> None:
    with db.read() as s:
        rows = s.execute(select(Page, public_id_column()).order_by(Page.id)).all()
        assert [shown for _, shown in rows] == [
            public_page_id(page) for page, _ in rows
        ]
        assert [shown for _, shown in rows] == [CONFLUENCE_ID, str(pages.builtin)]


def test_a_page_in_a_space_the_reader_is_not_in_is_not_found(
    db: Database, pages: Pages
) -> None:
    with db.read() as s:
        bob, eve = s.get_one(User, pages.reader), s.get_one(User, pages.outsider)
        found = access_page_by_public_id(s, bob, int(CONFLUENCE_ID))
        assert found.id == pages.confluence
        with pytest.raises(NotFound, match=f"Page {CONFLUENCE_ID} not found."):
            access_page_by_public_id(s, eve, int(CONFLUENCE_ID))
        with pytest.raises(NotFound, match=f"Page {pages.confluence} not found."):
            access_page_by_public_id(s, bob, pages.confluence)
