"""`signoff changeset ...` and `signoff page ...` against a real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import Site, json_out, one_error_line, signoff


def bundle(site: Site, count: int = 3) -> tuple[str, list[str]]:
    """`count` new pages in a change set created with the CLI."""
    pages = [site.create_page(f"Page {n}") for n in range(count)]
    args = [f"--page={page}" for page in pages]
    result = signoff(
        site,
        "changeset",
        "create",
        "--space",
        site.space_key,
        "--title",
        "Release 2.0",
        "--summary",
        "Docs for 2.0",
        *args,
        "--json",
    )
    assert result.exit_code == 0, result.output
    change_set = json_out(result)["changeSet"]
    assert [ref["pageId"] for ref in change_set["pageRefs"]] == pages
    return str(change_set["id"]), pages


def submitted(site: Site, count: int = 3) -> tuple[str, list[str]]:
    set_id, pages = bundle(site, count)
    result = signoff(site, "changeset", "submit", set_id, "--json")
    assert result.exit_code == 0, result.output
    assert json_out(result)["submittedCount"] == count
    return set_id, pages


def decide_later(
    site: Site, pages: list[str], kind: str, delay: float, comment: str | None = None
) -> tuple[threading.Thread, list[httpx.Response]]:
    """carol decides on each page through the API, from a thread, after `delay`."""
    answers: list[httpx.Response] = []

    def run() -> None:
        time.sleep(delay)
        for page in pages:
            answers.append(
                site.post(
                    "carol",
                    f"/api/v1/pages/{kind}",
                    {"pageId": page, "version": 1, "comment": comment},
                )
            )

    thread = threading.Thread(target=run)
    thread.start()
    return thread, answers


FAST = ("--interval", "0.05", "--max-interval", "0.2")


def test_create_update_preflight_submit_status_archive(site: Site) -> None:
    set_id, pages = bundle(site)

    preflight = signoff(site, "changeset", "preflight", set_id, "--json")
    assert preflight.exit_code == 0, preflight.output
    assert json_out(preflight)["summary"] == {
        "total": 3,
        "submittable": 3,
        "blocked": 0,
        "alreadyApproved": 0,
    }

    updated = signoff(
        site,
        "changeset",
        "update",
        set_id,
        "--title",
        "Release 2.1",
        "--reference-url",
        "https://git.example.com/pr/9",
        "--page",
        pages[0],
        "--page",
        pages[1],
        "--json",
    )
    assert updated.exit_code == 0, updated.output
    change_set = json_out(updated)["changeSet"]
    assert change_set["title"] == "Release 2.1"
    assert change_set["summary"] == "Docs for 2.0"
    assert [ref["pageId"] for ref in change_set["pageRefs"]] == pages[:2]

    submit = signoff(site, "changeset", "submit", set_id, "--json")
    assert submit.exit_code == 0, submit.output
    assert json_out(submit)["submittedCount"] == 2

    again = signoff(site, "changeset", "preflight", set_id)
    assert again.exit_code == 1  # both pages are under review now
    assert "0 of 2 page(s) can be submitted, 2 blocked" in again.stdout

    status = signoff(site, "changeset", "status", set_id)
    assert status.exit_code == 0, status.output
    assert "Release 2.1" in status.stdout
    assert "in_review" in status.stdout
    assert "Page 1" in status.stdout
    assert "pending" in status.stdout

    archived = signoff(site, "changeset", "archive", set_id, "--json")
    assert json_out(archived)["changeSet"]["status"] == "archived"
    refused = signoff(site, "changeset", "update", set_id, "--title", "Renamed")
    assert refused.exit_code == 1
    assert one_error_line(refused) == (
        "error: Change set 'Release 2.1' is archived and read-only. (HTTP 409)"
    )


def test_submit_exits_1_when_nothing_could_be_submitted(site: Site) -> None:
    set_id, _ = submitted(site, 2)

    result = signoff(site, "changeset", "submit", set_id)

    assert result.exit_code == 1
    assert "Submitted 0 page(s), skipped 2." in result.stdout


def test_wait_returns_0_once_another_user_approved_everything(site: Site) -> None:
    set_id, pages = submitted(site)
    thread, answers = decide_later(site, pages, "approve", delay=0.5)

    result = signoff(
        site, "changeset", "wait", set_id, "--until", "all_approved",
        "--timeout", "30", *FAST, "--json",
    )  # fmt: skip
    thread.join()

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert result.exit_code == 0, result.output
    printed = json_out(result)
    assert printed["outcome"] == "reached"
    assert printed["rollupState"] == "all_approved"
    assert printed["polls"] >= 2  # it saw the set before the approvals too
    assert printed["waitedSeconds"] >= 0.5

    # A state the set has gone past counts as reached.
    past = signoff(site, "changeset", "wait", set_id, "--until", "in_review", "--json")
    assert past.exit_code == 0, past.output
    assert json_out(past)["rollupState"] == "all_approved"


def test_wait_returns_1_and_names_who_rejected_and_why(site: Site) -> None:
    set_id, pages = submitted(site)
    thread, answers = decide_later(
        site, pages[1:2], "reject", delay=0.3, comment="Figures are wrong"
    )

    result = signoff(site, "changeset", "wait", set_id, "--timeout", "30", *FAST)
    thread.join()

    assert [answer.status_code for answer in answers] == [200]
    assert result.exit_code == 1, result.output
    assert "has rejections" in result.stdout
    assert "Carol" in result.stdout
    assert "Figures are wrong" in result.stdout

    as_json = signoff(site, "changeset", "wait", set_id, "--timeout", "5", "--json")
    assert as_json.exit_code == 1
    assert json_out(as_json)["rejections"] == [
        {
            "pageId": pages[1],
            "title": "Page 1",
            "version": 1,
            "by": "Carol",
            "comment": "Figures are wrong",
        }
    ]


def test_wait_returns_3_when_time_runs_out(site: Site) -> None:
    set_id, _ = submitted(site, 1)

    started = time.monotonic()
    result = signoff(
        site, "changeset", "wait", set_id, "--timeout", "0.6", *FAST, "--json"
    )

    assert result.exit_code == 3, result.output
    assert 0.6 <= time.monotonic() - started < 10
    printed = json_out(result)
    assert printed["outcome"] == "timed_out"
    assert printed["rollupState"] == "in_review"

    human = signoff(site, "changeset", "wait", set_id, "--timeout", "0.2", *FAST)
    assert human.exit_code == 3
    assert "Timed out" in human.stdout


class RefuseFirst:
    """A rate limiter that answers 429 with `Retry-After: 1` to the first calls."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals

    def retry_after(self, key: str, now: float) -> int | None:
        if self.refusals > 0:
            self.refusals -= 1
            return 1
        return None


def rate_limited(site: Site, refusals: int) -> Callable[[], Any]:
    original = site.app.state.rate_limiter
    site.app.state.rate_limiter = RefuseFirst(refusals)

    def restore() -> None:
        site.app.state.rate_limiter = original

    return restore


def test_wait_and_other_commands_honour_retry_after(site: Site) -> None:
    set_id, pages = submitted(site, 1)
    decide_later(site, pages, "approve", delay=0)[0].join()

    restore = rate_limited(site, 1)
    started = time.monotonic()
    result = signoff(
        site, "changeset", "wait", set_id, "--timeout", "20", *FAST, "--json"
    )
    waited = time.monotonic() - started
    restore()

    assert result.exit_code == 0, result.output
    assert waited >= 1.0  # the 429's Retry-After, though --interval is 0.05
    assert json_out(result)["polls"] == 1

    restore = rate_limited(site, 2)
    status = signoff(site, "changeset", "status", set_id, "--json")
    restore()
    assert status.exit_code == 0, status.output
    assert json_out(status)["changeSet"]["rollupState"] == "all_approved"


def test_page_preflight_submit_and_status(site: Site) -> None:
    page = site.create_page("Runbook")

    preflight = signoff(site, "page", "preflight", page, "--json")
    assert preflight.exit_code == 0, preflight.output
    assert json_out(preflight)["canSubmit"] is True

    submit = signoff(site, "page", "submit", page)
    assert submit.exit_code == 0, submit.output
    assert f"Submitted page {page} version 1" in submit.stdout
    assert "Carol" in submit.stdout

    blocked = signoff(site, "page", "preflight", page)
    assert blocked.exit_code == 1
    assert "cannot be submitted" in blocked.stdout

    resubmit = signoff(site, "page", "submit", page)
    assert resubmit.exit_code == 1
    assert one_error_line(resubmit).endswith("(HTTP 409)")

    decide_later(site, [page], "approve", delay=0, comment="Fine")[0].join()
    status = signoff(site, "page", "status", page, "--json")
    assert status.exit_code == 0, status.output
    printed = json_out(status)
    assert (printed["approvalStatus"], printed["approvedAtVersion"]) == ("approved", 1)
    human = signoff(site, "page", "status", page)
    assert "approved" in human.stdout
    assert "Carol: approve v1 (Fine)" in human.stdout


def test_server_errors_show_their_text_and_status(site: Site) -> None:
    missing = signoff(site, "changeset", "status", "999999")
    assert missing.exit_code == 1
    line = one_error_line(missing)
    assert line.startswith("error: ") and line.endswith("(HTTP 404)")

    viewer = signoff(
        site, "changeset", "create", "--space", site.space_id, "--title", "X",
        who="carol",
    )  # fmt: skip
    assert viewer.exit_code == 1
    assert one_error_line(viewer).endswith("(HTTP 403)")

    bad_token = signoff(site, "page", "status", "1", "--token", "sgnp_not-a-token")
    assert bad_token.exit_code == 1
    assert one_error_line(bad_token).endswith("(HTTP 401)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("changeset", "status", "abc"), "ID must be a number"),
        (("changeset", "wait", "1e3"), "ID must be a number"),
        (("page", "status", "01"), "ID must be a number"),
        (("changeset", "update", "1"), "nothing to change"),
        (
            ("changeset", "create", "--space", "D", "--title", "T", "--page", "x"),
            "--page",
        ),
    ],
)
def test_bad_ids_and_options_exit_2(
    site: Site, args: tuple[str, ...], message: str
) -> None:
    result = signoff(site, *args)
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result)


def test_missing_server_or_token_exits_2() -> None:
    no_url = signoff(None, "changeset", "status", "1", "--token", "t")
    assert no_url.exit_code == 2
    assert "pass --url or set SIGNOFF_URL" in one_error_line(no_url)

    no_token = signoff(None, "page", "status", "1", "--url", "http://127.0.0.1:9")
    assert no_token.exit_code == 2
    assert "pass --token or set SIGNOFF_TOKEN" in one_error_line(no_token)

    bad_url = signoff(None, "page", "status", "1", "--url", "ftp://x", "--token", "t")
    assert bad_url.exit_code == 2
    assert "--url must be an http:// or https:// URL" in one_error_line(bad_url)


def test_a_server_that_cannot_be_reached_is_one_line(free_url: str) -> None:
    result = signoff(
        None, "changeset", "status", "1", "--url", free_url, "--token", "t"
    )

    assert result.exit_code == 1
    assert one_error_line(result).startswith(f"error: cannot reach {free_url}")


@pytest.fixture
def free_url() -> str:
    from live_server import free_port

    return f"http://127.0.0.1:{free_port()}"


def test_preflight_counts_pages_already_approved_as_nothing_to_do(site: Site) -> None:
    set_id, pages = bundle(site, 2)
    assert signoff(site, "page", "submit", pages[0]).exit_code == 0
    approved = site.post(
        "carol", "/api/v1/pages/approve", {"pageId": pages[0], "version": 1}
    )
    assert approved.status_code == 200, approved.text

    human = signoff(site, "changeset", "preflight", set_id)
    printed = signoff(site, "changeset", "preflight", set_id, "--json")

    assert human.exit_code == 0, human.output
    assert (
        "Preflight: 1 of 2 page(s) can be submitted, 1 already approved, 0 blocked."
        in human.stdout
    )
    assert "already approved" in human.stdout.split("┃ reason")[1]
    assert printed.exit_code == 0, printed.output
    answer = json_out(printed)
    assert answer["summary"] == {
        "total": 2,
        "submittable": 1,
        "blocked": 1,  # the server's count, as the API answers it
        "alreadyApproved": 1,
    }
    assert [r.get("alreadyApproved", False) for r in answer["results"]] == [True, False]


def test_preflight_still_fails_when_a_page_is_blocked_beside_an_approved_one(
    site: Site,
) -> None:
    set_id, pages = bundle(site, 2)
    assert signoff(site, "changeset", "submit", set_id).exit_code == 0
    approved = site.post(
        "carol", "/api/v1/pages/approve", {"pageId": pages[0], "version": 1}
    )
    assert approved.status_code == 200, approved.text

    result = signoff(site, "changeset", "preflight", set_id)

    assert result.exit_code == 1  # the other page is pending: that is blocked
    assert "0 of 2 page(s) can be submitted, 1 already approved, 1 blocked" in (
        result.stdout
    )
