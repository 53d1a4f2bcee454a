"""The comments written on Confluence pages: every event has its sentence, and no
text from people can add markup, a macro or a mention."""

from __future__ import annotations

import dataclasses
import re

import pytest

from signoff.notify.confluence_fan_out import CONFLUENCE_EVENTS
from signoff.notify.confluence_review import ChangeSetFacts, Person, ReviewEvent
from signoff.notify.confluence_texts import comment_markup, xml_text

HOSTILE = '<ac:link><ri:user ri:account-id="evil" /></ac:link><script>x()</script>&'
BOB = Person("Bob", "557058:d092c978-5ab7-4c8a-8d87-32ffac22c584")
EVENT = ReviewEvent(
    event="approval.submitted",
    site_id=1,
    request_id=3,
    page_id=4,
    confluence_page_id="2654210049",
    version=7,
    review_url="https://signoff.example.com/spaces/DOCS/pages/2654210049",
    thread="99",
    actor=Person(HOSTILE, None),
    step=HOSTILE,
    approvers=(BOB, Person(HOSTILE, None)),
    decision="reject",
    comment=f"{HOSTILE}\nsecond line",
    current_version=8,
    change_set=ChangeSetFacts(
        HOSTILE, HOSTILE, 'https://x.example/"><script>', "https://s.example/c/1"
    ),
)
MENTION = re.compile(r'ri:account-id="([^"]*)"')


COMMENTED = [kind for kind in CONFLUENCE_EVENTS if kind != "approval.imported"]


def test_an_imported_approval_writes_no_comment_only_the_property() -> None:
    assert comment_markup(dataclasses.replace(EVENT, event="approval.imported")) is None


@pytest.mark.parametrize("kind", COMMENTED)
def test_no_text_from_people_adds_markup_or_a_mention(kind: str) -> None:
    markup = comment_markup(dataclasses.replace(EVENT, event=kind))

    assert markup is not None
    assert "<script>" not in markup and "evil" not in MENTION.findall(markup)
    assert markup.endswith(
        '<p><a href="https://signoff.example.com/spaces/DOCS/pages/2654210049">'
        "Open the review in Signoff</a></p>"
    )


@pytest.mark.parametrize("kind", ["approval.submitted", "approval.step_started"])
def test_an_event_asking_approvers_mentions_those_with_an_account(kind: str) -> None:
    markup = comment_markup(dataclasses.replace(EVENT, event=kind)) or ""

    assert MENTION.findall(markup) == [BOB.account_id]
    assert "&lt;ac:link&gt;" in markup  # the other approver, by name, as typed


def test_a_rejection_quotes_the_comment_line_by_line() -> None:
    markup = comment_markup(dataclasses.replace(EVENT, event="approval.decided"))

    assert markup is not None and " rejected version 7 at step " in markup
    assert f"<p>{xml_text(HOSTILE)}<br />second line</p>" in markup


def test_a_reference_link_that_breaks_out_of_its_attribute_is_escaped() -> None:
    markup = comment_markup(EVENT) or ""

    assert 'href="https://x.example/&quot;&gt;&lt;script&gt;"' in markup


def test_characters_xml_cannot_hold_are_dropped() -> None:
    assert xml_text("a\x00b\x1bc\ufffe") == "abc"


def test_an_event_that_changes_nothing_on_the_page_writes_no_comment() -> None:
    assert comment_markup(dataclasses.replace(EVENT, event="approval.reminder")) is None


def test_a_submission_says_what_changed_and_links_to_the_comparison() -> None:
    event = dataclasses.replace(EVENT, change=(5, f"2 paragraphs changed {HOSTILE}"))
    markup = comment_markup(event)
    assert markup is not None
    assert "What changed since version 5: 2 paragraphs changed" in markup
    assert (
        'href="https://signoff.example.com/spaces/DOCS/pages/2654210049/compare'
        '?from=5&amp;to=7"'
    ) in markup
    assert "<script>" not in markup


def test_a_first_version_says_nothing_about_changes() -> None:
    markup = comment_markup(EVENT)
    assert markup is not None and "What changed" not in markup


@pytest.mark.parametrize(
    ("decision", "outcome"), [("approve", "approved"), ("reject", "rejected")]
)
def test_an_override_says_who_went_around_the_approvers_and_why(
    decision: str, outcome: str
) -> None:
    event = dataclasses.replace(
        EVENT,
        event="approval.overridden",
        actor=Person("Alice", None),
        decision=decision,
        comment="Ship tonight.\nLegal reviews tomorrow.",
    )

    markup = comment_markup(event) or ""

    assert markup.startswith(
        f"<p>Alice overrode the review: version 7 is {outcome}, without waiting "
        "for its approvers.</p><p>Reason: Ship tonight.<br />Legal reviews "
        "tomorrow.</p>"
    )
