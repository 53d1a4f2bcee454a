"""`signoff group`: the shell operator manages groups; refusals are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from factories import make_group, make_user
from signoff.db.models import AuditEvent, Group, User
from signoff.db.session import Database

from .support import json_out, signoff


def _people(db: Database, *names: str) -> dict[str, str]:
    with db.write() as s:
        return {name: make_user(s, name).account_id for name in names}


def test_group_add_creates_a_group_with_its_members(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    accounts = _people(db, "dave", "erin")
    result = signoff(
        db_url, tmp_path, "group", "add", "legal", "--member", "dave",
        "--member", "erin", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json_out(result) == {
        "group": {
            "name": "legal",
            "members": [
                {"accountId": accounts["dave"], "username": "dave",
                 "displayName": "Dave"},
                {"accountId": accounts["erin"], "username": "erin",
                 "displayName": "Erin"},
            ],
        }
    }  # fmt: skip
    with db.read() as s:
        events = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        origins = set(s.scalars(select(AuditEvent.origin)))
    assert events[-3:] == ["group.created", "group.member_added", "group.member_added"]
    assert origins == {"cli"}


def test_group_rename_member_add_and_remove_and_list(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    _people(db, "dave", "erin")
    assert signoff(db_url, tmp_path, "group", "add", "legal").exit_code == 0
    renamed = signoff(db_url, tmp_path, "group", "rename", "legal", "counsel")
    assert renamed.exit_code == 0, renamed.output
    added = signoff(
        db_url, tmp_path, "group", "member", "add", "counsel", "erin", "--json"
    )
    assert [m["username"] for m in json_out(added)["group"]["members"]] == ["erin"]
    signoff(db_url, tmp_path, "group", "member", "add", "counsel", "dave")
    removed = signoff(
        db_url, tmp_path, "group", "member", "remove", "counsel", "erin", "--json"
    )
    assert [m["username"] for m in json_out(removed)["group"]["members"]] == ["dave"]
    listed = json_out(signoff(db_url, tmp_path, "group", "list", "--json"))
    assert [(g["name"], len(g["members"])) for g in listed["groups"]] == [
        ("counsel", 1)
    ]
    human = signoff(db_url, tmp_path, "group", "list")
    assert "counsel: dave" in human.output


def test_group_delete_removes_an_unused_group(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    signoff(db_url, tmp_path, "group", "add", "legal")
    result = signoff(db_url, tmp_path, "group", "delete", "legal", "--json")
    assert result.exit_code == 0, result.output
    assert json_out(result) == {"deleted": "legal"}
    with db.read() as s:
        assert s.scalars(select(Group)).all() == []


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("group", "add", "legal"), 1, "'legal' already exists"),
        (("group", "add", "Bad Name"), 2, "name"),
        (("group", "add", "team", "--member", "nobody"), 1, "No user named 'nobody'"),
        (("group", "rename", "missing", "other"), 1, "no group named 'missing'"),
        (("group", "member", "add", "legal", "dave"), 1, "already in group legal"),
        (("group", "member", "remove", "legal", "zed"), 1, "No user named 'zed'"),
        (("group", "delete", "missing"), 1, "no group named 'missing'"),
    ],
)
def test_group_commands_name_what_they_refuse_and_change_nothing(
    db: Database,
    db_url: str,
    tmp_path: Path,
    args: tuple[str, ...],
    code: int,
    said: str,
) -> None:
    _people(db, "dave")
    with db.write() as s:
        dave = s.scalars(select(User).where(User.username == "dave")).one()
        make_group(s, "legal", [dave])
    result = signoff(db_url, tmp_path, *args)
    assert result.exit_code == code, result.output
    assert said in result.output
    with db.read() as s:
        assert s.scalars(select(Group.name)).all() == ["legal"]


def test_group_list_without_groups_says_so(db_url: str, tmp_path: Path) -> None:
    assert "No groups." in signoff(db_url, tmp_path, "group", "list").output
