"""Pages, spaces, members, users and tokens: audit events, refusals and bad input."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id
from corpora import XSS_VECTORS_FILE
from factories import AT, by, edit, make_page, make_space, make_user
from signoff.access import space_role
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.actions.site import do_set_api_enabled
from signoff.actions.spaces import do_add_member, do_create_space, do_remove_member
from signoff.actions.tokens import do_create_token, do_revoke_token
from signoff.actions.unit import unit_of_work
from signoff.actions.users import do_create_user
from signoff.auth.tokens import hash_secret
from signoff.db.models import AuditEvent, Page, PageVersion, PersonalToken, Space, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, InvalidState, NotAllowed, VersionConflict
from signoff.domain.states import Origin, Role

XSS = XSS_VECTORS_FILE


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.write() as s:
        alice, bob, carol = (
            make_user(s, "alice"),
            make_user(s, "bob"),
            make_user(s, "carol"),
        )
        space = make_space(
            s, admin=alice, members={bob: Role.editor, carol: Role.viewer}
        )
        return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "space": space.id}


def test_creating_and_editing_a_page_keeps_every_version(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        bob, space = s.get(User, ids["bob"]), s.get(Space, ids["space"])
        mark = last_event_id(s)
        page = make_page(s, space, bob, body="<p>one</p>")
        edit(s, page, bob, "<p>two</p>")
        do_edit_page(s, page, title="Renamed", expected_version=2, **by(bob))
        versions = s.scalars(
            select(PageVersion)
            .where(PageVersion.page_id == page.id)
            .order_by(PageVersion.number)
        ).all()
        assert [(v.number, v.title, v.body) for v in versions] == [
            (1, "Policy", "<p>one</p>"),
            (2, "Policy", "<p>two</p>"),
            (3, "Renamed", "<p>two</p>"),
        ]
        assert (
            versions[1].content_hash != versions[2].content_hash
        )  # a retitle is a change
        assert page.current_version == 3
        assert actions_since(s, mark) == ["page.created", "page.edited", "page.edited"]


def test_edit_from_an_old_version_is_a_conflict_and_writes_nothing(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page = make_page(s, s.get(Space, ids["space"]), s.get(User, ids["bob"]))
        edit(s, page, s.get(User, ids["bob"]), "<p>two</p>")
        page_id, mark = page.id, last_event_id(s)
    with pytest.raises(VersionConflict), unit_of_work(db, origin=Origin.ui) as s:
        do_edit_page(
            s,
            s.get(Page, page_id),
            body="<p>mine</p>",
            expected_version=1,
            **by(s.get(User, ids["bob"])),
        )
    with db.read() as s:
        assert s.get(Page, page_id).current_version == 2
        assert actions_since(s, mark) == []


def test_viewer_cannot_edit_and_only_the_refusal_is_written(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page = make_page(s, s.get(Space, ids["space"]), s.get(User, ids["bob"]))
        page_id, mark = page.id, last_event_id(s)
    with pytest.raises(NotAllowed), unit_of_work(db, origin=Origin.ui) as s:
        do_edit_page(
            s, s.get(Page, page_id), body="<p>x</p>", **by(s.get(User, ids["carol"]))
        )
    with db.read() as s:
        assert actions_since(s, mark) == ["auth.denied"]
        denial = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert denial.actor_id == ids["carol"] and denial.page_id == page_id
        assert denial.details["action"] == "edit pages"
        assert s.scalar(select(func.count()).select_from(PageVersion)) == 1


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [
            v or "" for k, v in attrs if k in ("href", "src", "xlink:href", "action")
        ]


def _dangerous_urls(html: str) -> list[str]:
    collector = _UrlCollector()
    collector.feed(html)
    schemes = ("javascript:", "vbscript:", "data:")
    return [u for u in collector.urls if "".join(u.split()).lower().startswith(schemes)]


def _vectors() -> list[str]:
    return [
        line for line in XSS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_hostile_bodies_are_stored_sanitised(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        bob, space = s.get(User, ids["bob"]), s.get(Space, ids["space"])
        for index, vector in enumerate(_vectors()):
            page = do_create_page(
                s, space, title=f"Vector {index}", body=vector, **by(bob)
            )
            stored = s.scalars(
                select(PageVersion.body).where(PageVersion.page_id == page.id)
            ).one()
            assert "<script" not in stored.lower(), vector
            assert not _dangerous_urls(stored), vector


@pytest.mark.parametrize(
    ("title", "field"), [("", "title"), ("   ", "title"), ("x" * 256, "title")]
)
def test_bad_page_titles_are_refused_naming_the_field(
    db: Database, ids: dict[str, int], title: str, field: str
) -> None:
    with db.write() as s, pytest.raises(BadInput) as refused:
        do_create_page(
            s,
            s.get(Space, ids["space"]),
            title=title,
            body="",
            **by(s.get(User, ids["bob"])),
        )
    assert refused.value.field == field


def test_titles_lose_control_characters(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s:
        page = do_create_page(
            s,
            s.get(Space, ids["space"]),
            title="Line\r\nbreak\x1b[31m",
            body="",
            **by(s.get(User, ids["bob"])),
        )
        assert page.title == "Line break[31m"


@pytest.mark.parametrize("key", ["docs", "D", "1DOCS", "DO-CS", "X" * 51])
def test_space_keys_must_be_upper_case_letters_and_digits(
    db: Database, key: str
) -> None:
    with db.write() as s, pytest.raises(BadInput) as refused:
        do_create_space(s, key, "Name", **by(None, Origin.cli))
    assert refused.value.field == "key"


def test_only_site_admins_create_spaces(db: Database, ids: dict[str, int]) -> None:
    with db.write() as s, pytest.raises(NotAllowed):
        do_create_space(s, "NEW", "New", **by(s.get(User, ids["bob"])))


def test_member_changes_are_audited_and_the_last_admin_stays(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        alice, carol = s.get(User, ids["alice"]), s.get(User, ids["carol"])
        space = s.get(Space, ids["space"])
        mark = last_event_id(s)
        do_add_member(s, space, carol, Role.editor, **by(alice))
        do_add_member(s, space, carol, Role.editor, **by(alice))  # no change, no event
        do_remove_member(s, space, carol, **by(alice))
        assert actions_since(s, mark) == ["space.member_added", "space.member_removed"]
        with pytest.raises(InvalidState, match="at least one admin"):
            do_remove_member(s, space, alice, **by(alice))
        with pytest.raises(BadInput) as refused:
            do_add_member(s, space, carol, "owner", **by(alice))
        assert refused.value.field == "role"


def test_bad_user_input_names_the_field_and_writes_nothing(db: Database) -> None:
    cases = [
        ("A b", "pw-long-enough", None, "username"),
        ("dora", "short", None, "password"),
        ("dora", "pw-long-enough", "not-an-email", "email"),
    ]
    for username, password, email, field in cases:
        with (
            pytest.raises(BadInput) as refused,
            unit_of_work(db, origin=Origin.cli) as s,
        ):
            do_create_user(s, username, password, email=email, **by(None, Origin.cli))
        assert refused.value.field == field
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_passwords_are_stored_as_argon2_hashes(db: Database) -> None:
    with db.write() as s:
        user = make_user(s, "erin", password="correct horse battery")
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash


def test_tokens_are_stored_hashed_and_can_be_revoked(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        bob = s.get(User, ids["bob"])
        token, secret = do_create_token(
            s, bob, scopes=["read:approval"], expires_days=7, **by(bob)
        )
        stored = s.get(PersonalToken, token.id)
        assert (
            stored.token_hash == hash_secret(secret) and secret not in stored.token_hash
        )
        assert stored.expires_at is not None and stored.expires_at > AT
        do_revoke_token(s, token, **by(bob))
        with pytest.raises(InvalidState):
            do_revoke_token(s, token, **by(bob))
        with pytest.raises(BadInput) as refused:
            do_create_token(s, bob, scopes=["read:everything"], **by(bob))
        assert refused.value.field == "scope"
        with pytest.raises(NotAllowed):
            do_create_token(
                s, s.get(User, ids["alice"]), scopes=["read:page"], **by(bob)
            )


def test_api_switch_is_audited_only_when_it_changes(db: Database) -> None:
    with db.write() as s:
        assert do_set_api_enabled(s, True, **by(None, Origin.cli))
        assert not do_set_api_enabled(s, True, **by(None, Origin.cli))
        assert do_set_api_enabled(s, False, **by(None, Origin.cli))
        assert actions_since(s, 0) == ["site.api_enabled", "site.api_disabled"]


def test_a_role_read_earlier_in_the_transaction_follows_changes_to_it(
    db: Database,
) -> None:
    # space_role keeps the membership row for the transaction; a change of role, a
    # removal and a new membership made in that same transaction must all show.
    with db.write() as s:
        admin, member = make_user(s, "admin"), make_user(s, "member")
        space = make_space(s, admin=admin, members={member: Role.viewer})
        assert space_role(s, member, space.id) is Role.viewer
        do_add_member(s, space, member, Role.editor, **by(admin))
        assert space_role(s, member, space.id) is Role.editor
        do_remove_member(s, space, member, **by(admin))
        assert space_role(s, member, space.id) is None
        do_add_member(s, space, member, Role.viewer, **by(admin))
        assert space_role(s, member, space.id) is Role.viewer
    with db.read() as s:
        member = s.scalars(select(User).where(User.username == "member")).one()
        assert space_role(s, member, space.id) is Role.viewer
