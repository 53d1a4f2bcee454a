"""`signoff group` with a group that follows a Confluence group: a change by hand
is refused in one line, `list` says what it follows, `unfollow` keeps members."""

from __future__ import annotations

from pathlib import Path

from factories import AT, make_confluence_site, make_group, make_user
from signoff.db.models import ConfluenceGroupFollow
from signoff.db.session import Database

from .support import json_out, signoff


def _following(db: Database) -> None:
    with db.write() as s:
        dave, erin = make_user(s, "dave"), make_user(s, "erin")
        group = make_group(s, "counsel", [dave])
        site = make_confluence_site(s)
        s.add(
            ConfluenceGroupFollow(
                group_id=group.id,
                site_id=site.id,
                confluence_group_id="5b1f6a2e-0c3d-4e5f-8a9b-0c1d2e3f4a5b",
                confluence_group_name="legal",
                created_at=AT,
                synced_at=AT,
                unmapped=["557058:unmapped"],
            )
        )
        del erin


def test_adding_a_member_by_hand_to_a_following_group_is_refused(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    _following(db)
    result = signoff(db_url, tmp_path, "group", "member", "add", "counsel", "erin")
    assert result.exit_code == 1, result.output
    assert (
        "group counsel follows Confluence group legal on site acme; "
        "change membership there or unfollow" in result.output
    )


def test_list_says_what_a_group_follows_and_unfollow_keeps_its_members(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    _following(db)
    listed = json_out(signoff(db_url, tmp_path, "group", "list", "--json"))
    assert listed["groups"][0]["follows"] == {
        "site": "acme",
        "confluenceGroup": "legal",
        "syncedAt": AT.isoformat(),
        "error": None,
        "unmappedAccounts": ["557058:unmapped"],
    }
    human = signoff(db_url, tmp_path, "group", "list").output
    assert "follows Confluence group legal on site acme" in human

    result = signoff(db_url, tmp_path, "group", "unfollow", "counsel", "--json")

    assert result.exit_code == 0, result.output
    group = json_out(result)["group"]
    assert [m["username"] for m in group["members"]] == ["dave"]
    assert "follows" not in group
    added = signoff(db_url, tmp_path, "group", "member", "add", "counsel", "erin")
    assert added.exit_code == 0, added.output


def test_unfollowing_a_group_that_follows_nothing_is_refused(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    with db.write() as s:
        make_group(s, "counsel", [])
    result = signoff(db_url, tmp_path, "group", "unfollow", "counsel")
    assert result.exit_code == 1
    assert "Group counsel follows no Confluence group." in result.output
