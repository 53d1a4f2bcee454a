"""Footer comments over HTTP: people's comments and replies, and the review thread."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from corpora import XSS_VECTORS_FILE
from factories import make_group
from signoff.db.models import AuditEvent, User
from signoff.storage_format.sanitise import sanitise_body

from .support import AppClient, Team
from .wiki import TIME, WIKI, account, decide, error_of, govern, ok, submit

XSS = XSS_VECTORS_FILE
COMMENT_KEYS = {
    "id",
    "status",
    "title",
    "pageId",
    "parentCommentId",
    "version",
    "body",
    "_links",
}


def _comment(
    api: AppClient,
    team: Team,
    who: str,
    page_id: int,
    body: dict[str, Any],
    **more: Any,
) -> Any:
    return api.post(
        f"{WIKI}/pages/{page_id}/footer-comments",
        token=team.tokens[who],
        json={"body": body, **more},
    )


def _thread(api: AppClient, team: Team, page_id: int) -> list[dict[str, Any]]:
    """The page's top-level comments, each with its replies under `replies`."""
    roots = ok(
        api.get(
            f"{WIKI}/pages/{page_id}/footer-comments",
            token=team.tokens["carol"],
            params={"body-format": "storage"},
        )
    )["results"]
    for root in roots:
        root["replies"] = ok(
            api.get(
                f"{WIKI}/footer-comments/{root['id']}/children",
                token=team.tokens["carol"],
                params={"body-format": "storage"},
            )
        )["results"]
    return roots


def _text(comment: dict[str, Any]) -> str:
    return str(comment["body"]["storage"]["value"])


def _mention(team: Team, name: str) -> str:
    return f'<ri:user ri:account-id="{account(team, name)}"></ri:user>'


def test_a_viewer_comments_and_another_replies_in_either_body_form(
    api: AppClient, team: Team
) -> None:
    page_id = team.pages[0]
    created = _comment(
        api, team, "carol", page_id, {"representation": "storage", "value": "<p>Hi</p>"}
    )
    first = ok(created, 201)
    assert set(first) == COMMENT_KEYS
    assert created.headers["location"] == f"{WIKI}/footer-comments/{first['id']}"
    assert (first["pageId"], first["parentCommentId"]) == (str(page_id), None)
    assert (first["status"], first["title"]) == ("current", "Re: Page 0")
    assert first["version"]["authorId"] == account(team, "carol")
    assert TIME.match(first["version"]["createdAt"])
    assert first["body"]["storage"]["value"] == "<p>Hi</p>"
    assert first["_links"]["webui"] == (
        f"/spaces/DOCS/pages/{page_id}?focusedCommentId={first['id']}"
    )
    reply = ok(
        api.post(
            f"{WIKI}/footer-comments",
            token=team.tokens["dave"],
            json={
                "parentCommentId": first["id"],
                "body": {"storage": {"value": "<p>Yes</p>"}},
            },
        ),
        201,
    )
    assert (reply["pageId"], reply["parentCommentId"]) == (str(page_id), first["id"])
    (root,) = _thread(api, team, page_id)
    assert root["id"] == first["id"]
    assert root["body"] == first["body"]
    assert [r["id"] for r in root["replies"]] == [reply["id"]]
    plain = ok(
        api.get(f"{WIKI}/footer-comments/{reply['id']}", token=team.tokens["bob"])
    )
    assert plain["body"] == {}
    with team.db.read() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "comment.created")
        ).all()
        assert [(e.origin, e.details["parentId"]) for e in events] == [
            ("api", None),
            ("api", int(first["id"])),
        ]
        assert events[0].text.endswith("(via API)")


def test_confluence_create_comment_path_takes_the_page_id(
    api: AppClient, team: Team
) -> None:
    created = api.post(
        f"{WIKI}/footer-comments",
        token=team.tokens["bob"],
        json={
            "pageId": str(team.pages[1]),
            "body": {"representation": "storage", "value": "<p>Via pageId</p>"},
        },
    )
    assert ok(created, 201)["pageId"] == str(team.pages[1])
    again = api.post(
        "/wiki/api/v2/comments",
        token=team.tokens["bob"],
        json={
            "pageId": str(team.pages[1]),
            "body": {"storage": {"representation": "storage", "value": "<p>2</p>"}},
        },
    )
    assert ok(again, 201)["pageId"] == str(team.pages[1])


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("pages/{other}/footer-comments", {"parentCommentId": "{first}"}, 400, None),
        ("pages/{page}/footer-comments", {"pageId": "{other}"}, 400, None),
        ("footer-comments", {}, 400, None),
        ("pages/{page}/footer-comments", {"empty": True}, 400, None),
        ("pages/999999/footer-comments", {}, 404, "NOT_FOUND"),
        ("footer-comments", {"parentCommentId": "999999"}, 404, "NOT_FOUND"),
    ],
    ids=[
        "parent-on-another-page",
        "page-mismatch",
        "no-page",
        "empty-body",
        "no-such-page",
        "no-such-parent",
    ],
)
def test_comments_that_cannot_be_placed_are_refused(
    api: AppClient,
    team: Team,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    first = ok(_comment(api, team, "bob", team.pages[0], {"value": "<p>x</p>"}), 201)[
        "id"
    ]
    names = {"page": team.pages[0], "other": team.pages[1], "first": first}
    sent = {k: str(v).format(**names) for k, v in body.items() if k != "empty"}
    value = "<script>only</script>" if body.get("empty") else "<p>x</p>"
    response = api.post(
        f"{WIKI}/{path.format(**names)}",
        token=team.tokens["bob"],
        json={**sent, "body": {"representation": "storage", "value": value}},
    )
    error_of(response, status, code or "INVALID_REQUEST_PARAMETER")


def test_commenting_needs_the_write_scope(api: AppClient, team: Team) -> None:
    reader = team.token_for("carol", "read:page")
    response = api.post(
        f"{WIKI}/pages/{team.pages[0]}/footer-comments",
        token=reader,
        json={"body": {"value": "<p>x</p>"}},
    )
    assert "write:page" in error_of(response, 403, "FORBIDDEN")


def test_hostile_comment_bodies_are_stored_sanitised(
    api: AppClient, team: Team
) -> None:
    vectors = [line for line in XSS.read_text(encoding="utf-8").splitlines() if line]
    for vector in vectors:
        response = _comment(
            api,
            team,
            "carol",
            team.pages[0],
            {"representation": "storage", "value": vector},
        )
        expected = sanitise_body(vector).strip()
        if not expected:
            error_of(response, 400, "INVALID_REQUEST_PARAMETER")
            continue
        created = ok(response, 201)
        stored = ok(
            api.get(
                f"{WIKI}/footer-comments/{created['id']}",
                token=team.tokens["bob"],
                params={"body-format": "storage"},
            )
        )
        assert _text(stored) == expected, vector
        assert "<script" not in _text(stored).lower(), vector


def _change_set(api: AppClient, team: Team, page_ids: list[int]) -> str:
    created = ok(
        api.post(
            "/api/v1/changeSets",
            token=team.tokens["bob"],
            json={
                "spaceId": str(team.space_id),
                "title": "Release <b>2.0</b> & more",
                "summary": "Docs for 2.0\n<script>alert(1)</script>",
                "referenceUrl": "https://git.example.com/pr/42?a=1&b=2",
                "pageRefs": [{"pageId": str(pid)} for pid in page_ids],
            },
        )
    )
    return str(created["changeSet"]["id"])


def test_submission_comment_mentions_the_first_step_and_carries_the_change_set(
    api: AppClient, team: Team
) -> None:
    with team.db.write() as s:
        dave = s.get(User, team.users["dave"])
        make_group(s, "reviewers", [dave])
    govern(team, ["carol"], ["alice"], page_index=0, groups_of_first=["reviewers"])
    cs_id = _change_set(api, team, [team.pages[0]])
    ok(
        api.post(
            "/api/v1/changeSets/submit",
            token=team.tokens["bob"],
            json={"changeSetId": cs_id},
        )
    )

    (root,) = _thread(api, team, team.pages[0])
    assert root["version"]["authorId"] is None
    assert root["replies"] == []
    text = _text(root)
    assert "Bob requested approval of version 1." in text
    assert f"Step 'Step 1': <ac:link>{_mention(team, 'carol')}</ac:link>" in text
    assert "the group <strong>reviewers</strong>" in text
    assert account(team, "alice") not in text  # the second step waits
    assert "<strong>Release &lt;b&gt;2.0&lt;/b&gt; &amp; more</strong>" in text
    assert "Docs for 2.0<br>&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert (
        '<a href="https://git.example.com/pr/42?a=1&amp;b=2" rel="noopener noreferrer">'
        "https://git.example.com/pr/42?a=1&amp;b=2</a>"
    ) in text


def test_single_page_submission_comment_has_no_change_set(
    api: AppClient, team: Team
) -> None:
    govern(team, ["carol"], page_index=1)
    submit(api, team, team.pages[1])
    (root,) = _thread(api, team, team.pages[1])
    assert "Change set" not in _text(root)
    assert f"<ac:link>{_mention(team, 'carol')}</ac:link>" in _text(root)


def test_decisions_and_the_next_step_are_replied_in_the_review_thread(
    api: AppClient, team: Team
) -> None:
    govern(team, ["carol", "dave"], ["alice"], page_index=0)
    submit(api, team, team.pages[0])
    decide(api, team, "carol", team.pages[0], comment="Looks <good> & fine\nline two")
    decide(api, team, "dave", team.pages[0])
    decide(api, team, "alice", team.pages[0], "reject", comment="Figures wrong")

    (root,) = _thread(api, team, team.pages[0])
    replies = [_text(reply) for reply in root["replies"]]
    assert all(r["version"]["authorId"] is None for r in root["replies"])
    assert all(r["parentCommentId"] == root["id"] for r in root["replies"])
    assert len(replies) == 4
    carol, dave, next_step, alice = replies
    assert carol == (
        f"<p><ac:link>{_mention(team, 'carol')}</ac:link> approved version 1 at step "
        "'Step 1'.</p><p>Looks &lt;good&gt; &amp; fine<br>line two</p>"
    )
    assert f"<ac:link>{_mention(team, 'dave')}</ac:link> approved" in dave
    assert next_step == (
        "<p>Step 'Step 1' is complete. Step 'Step 2' is next: "
        f"<ac:link>{_mention(team, 'alice')}</ac:link></p>"
    )
    assert f"<ac:link>{_mention(team, 'alice')}</ac:link> rejected" in alice
    assert "<p>Figures wrong</p>" in alice
    assert "The review is complete: rejected." in alice


def test_a_person_replying_in_the_review_thread_joins_it(
    api: AppClient, team: Team
) -> None:
    govern(team, ["carol"], page_index=0)
    submit(api, team, team.pages[0])
    (root,) = _thread(api, team, team.pages[0])
    reply = _comment(
        api,
        team,
        "dave",
        team.pages[0],
        {"value": "<p>A question</p>"},
        parentCommentId=root["id"],
    )
    assert ok(reply, 201)["parentCommentId"] == root["id"]
    decide(api, team, "carol", team.pages[0])
    (root,) = _thread(api, team, team.pages[0])
    assert [r["version"]["authorId"] for r in root["replies"]] == [
        account(team, "dave"),
        None,
    ]
