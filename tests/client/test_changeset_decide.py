"""`signoff changeset decide` against a real server: carol, the approver of the
space's workflow, decides every page of bob's submitted change set in one act."""

from __future__ import annotations

import pytest

from .conftest import Site, json_out, one_error_line, signoff
from .test_changeset import submitted


def test_approve_decides_every_page_and_prints_each_outcome(site: Site) -> None:
    set_id, pages = submitted(site, 2)

    result = signoff(site, "changeset", "decide", set_id, "--approve", who="carol")

    assert result.exit_code == 0, result.output
    assert "Decided 2 page(s), skipped 0." in result.stdout
    detail = site.get("bob", "/api/v1/changeSets/detail", changeSetId=set_id)[
        "changeSet"
    ]
    assert detail["rollupState"] == "all_approved"
    assert [ref["pageId"] for ref in detail["pageRefs"]] == pages


def test_a_version_named_that_is_not_under_review_skips_that_page(
    site: Site,
) -> None:
    set_id, pages = submitted(site, 2)

    result = signoff(
        site,
        "changeset",
        "decide",
        set_id,
        "--reject",
        "--comment",
        "Not for this release.",
        "--version",
        f"{pages[0]}=1",
        "--version",
        f"{pages[1]}=2",
        "--json",
        who="carol",
    )

    assert result.exit_code == 0, result.output
    answer = json_out(result)
    assert (answer["decidedCount"], answer["skippedCount"]) == (1, 1)
    assert answer["results"] == [
        {"pageId": pages[0], "success": True, "version": 1},
        {
            "pageId": pages[1],
            "success": False,
            "reason": "The review covers version 1 of 'Page 1', not version 2.",
        },
    ]


def test_exit_1_when_nothing_was_decided(site: Site) -> None:
    set_id, _ = submitted(site, 2)

    shown = signoff(site, "changeset", "decide", set_id, "--approve", who="bob")
    result = signoff(
        site, "changeset", "decide", set_id, "--approve", "--json", who="bob"
    )

    assert (shown.exit_code, result.exit_code) == (1, 1)
    assert "Decided 0 page(s), skipped 2." in shown.stdout
    reasons = {row["reason"] for row in json_out(result)["results"]}
    assert reasons == {"You are not an approver of the current step."}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((), "error: give exactly one of --approve and --reject."),
        (
            ("--approve", "--reject"),
            "error: give exactly one of --approve and --reject.",
        ),
        (("--reject",), "error: --reject needs a --comment saying why."),
        (
            ("--approve", "--version", "12"),
            "error: --version must be PAGE=N, such as 101=2, not '12'.",
        ),
        (
            ("--approve", "--version", "12=0"),
            "error: --version must be PAGE=N, such as 101=2, not '12=0'.",
        ),
    ],
)
def test_bad_options_exit_2(site: Site, args: tuple[str, ...], error: str) -> None:
    result = signoff(site, "changeset", "decide", "1", *args, who="carol")

    assert result.exit_code == 2, result.output
    assert one_error_line(result) == error


def test_a_token_without_the_decide_scope_is_refused(site: Site) -> None:
    set_id, _ = submitted(site, 1)
    site.tokens["reader"] = site.token("carol", "read:change-set")

    result = signoff(site, "changeset", "decide", set_id, "--approve", who="reader")

    assert result.exit_code == 1
    assert one_error_line(result) == (
        "error: This call needs the decide:approval scope, which the token does not "
        "have. (HTTP 403)"
    )
