"""Comparing two versions as a reader sees them (`storage_format.redline`), on pairs
of storage-format bodies: edited paragraphs, moved sections, table cells, list
reorders, link-only and bold-only changes, macros, images, hostile markup and a
page of a megabyte."""

from __future__ import annotations

import re

import pytest

from corpora import XSS_VECTORS_FILE
from signoff.storage_format.normalise import normalise_body
from signoff.storage_format.redline import Change, compare_bodies
from signoff.storage_format.sanitise import sanitise_body


def changes(old: str, new: str) -> list[tuple[Change, str | None, str | None]]:
    return [
        (c.change, c.old.text if c.old else None, c.new.text if c.new else None)
        for c in compare_bodies(old, new).changes
    ]


def test_an_edited_paragraph_marks_the_words_that_changed() -> None:
    result = compare_bodies(
        "<p>Travel must be approved by a manager.</p>",
        "<p>Travel must be approved by a director in writing.</p>",
    )
    assert result.unified == (
        "<p>Travel must be approved by a <del>manager.</del> "
        "<ins>director in writing.</ins></p>"
    )
    assert result.old_side == "<p>Travel must be approved by a <del>manager.</del></p>"
    assert result.new_side == (
        "<p>Travel must be approved by a <ins>director in writing.</ins></p>"
    )
    assert result.summary.sentence() == "1 paragraph changed, 4 words"


def test_a_word_inside_bold_keeps_the_bold() -> None:
    result = compare_bodies(
        "<p>Pay <strong>within 30 days</strong> of travel.</p>",
        "<p>Pay <strong>within 14 days</strong> of travel.</p>",
    )
    assert "<strong>within <del>30</del> <ins>14</ins> days</strong>" in result.unified


def test_an_unchanged_paragraph_is_not_shown_as_removed_and_added() -> None:
    body = "<p>Same one.</p><p>Old two.</p><p>Same three.</p>"
    edited = "<p>Same one.</p><p>New two.</p><p>Same three.</p>"
    kinds = [change for change, _, _ in changes(body, edited)]
    assert kinds == [Change.same, Change.changed, Change.same]


def test_an_added_and_a_removed_paragraph() -> None:
    found = changes(
        "<p>Intro.</p><p>Obsolete rule about fax machines.</p><p>End.</p>",
        "<p>Intro.</p><p>End.</p><p>A brand new closing remark.</p>",
    )
    assert (Change.removed, "Obsolete rule about fax machines.", None) in found
    assert (Change.added, None, "A brand new closing remark.") in found


def test_a_moved_section_is_moved_not_removed_and_added() -> None:
    section = "<h2>Expenses</h2><p>Keep every receipt for seven years.</p>"
    other = "<h2>Travel</h2><p>Book through the portal.</p>"
    result = compare_bodies(section + other, other + section)
    assert result.summary.moved == 2
    assert result.summary.added == result.summary.removed == 0
    assert "Moved here" in result.unified and "Moved from here" in result.unified


def test_a_list_reorder_is_a_move() -> None:
    result = compare_bodies(
        "<ul><li>alpha</li><li>beta</li><li>gamma</li></ul>",
        "<ul><li>alpha</li><li>gamma</li><li>beta</li></ul>",
    )
    assert result.summary.moved == 1
    # The place it left stays a list item inside the list.
    assert re.search(r'<li class="redline-moved-from">.*</li></ul>$', result.unified)


def test_a_table_cell_change_is_marked_in_its_cell() -> None:
    result = compare_bodies(
        "<table><tbody><tr><td>Limit</td><td>100 EUR</td></tr></tbody></table>",
        "<table><tbody><tr><td>Limit</td><td>150 EUR</td></tr></tbody></table>",
    )
    assert "<td><del>100</del> <ins>150</ins> EUR</td>" in result.unified
    assert result.summary.changed == 1


def test_a_link_target_change_is_called_out_as_formatting() -> None:
    (change,) = compare_bodies(
        '<p>See <a href="https://old.example/policy">the policy</a>.</p>',
        '<p>See <a href="https://new.example/policy">the policy</a>.</p>',
    ).changes
    assert change.change is Change.formatting
    assert change.formatting == ("link target",)


def test_a_bold_only_change_is_called_out_as_formatting() -> None:
    result = compare_bodies(
        "<p>Always lock your screen.</p>",
        "<p>Always <strong>lock</strong> your screen.</p>",
    )
    (change,) = result.changes
    assert (change.change, change.formatting) == (Change.formatting, ("bold",))
    assert "Formatting changed: bold" in result.unified
    assert result.summary.sentence() == "1 reformatted"


def test_a_paragraph_that_became_a_heading_is_formatting() -> None:
    (change,) = compare_bodies("<p>Scope</p>", "<h2>Scope</h2>").changes
    assert (change.change, change.formatting) == (Change.formatting, ("heading",))


def test_a_changed_code_macro_is_shown_whole_before_and_after() -> None:
    macro = (
        '<ac:structured-macro ac:name="code"><ac:plain-text-body>'
        "<![CDATA[{}]]></ac:plain-text-body></ac:structured-macro>"
    )
    result = compare_bodies(macro.format("retries = 3"), macro.format("retries = 5"))
    (change,) = result.changes
    assert change.change is Change.changed
    assert "redline-removed" in result.unified and "redline-added" in result.unified
    assert "retries = 3" in result.unified and "retries = 5" in result.unified


def test_a_changed_image_is_shown_whole_before_and_after() -> None:
    image = '<ac:image><ri:attachment ri:filename="{}"></ri:attachment></ac:image>'
    result = compare_bodies(image.format("v1.png"), image.format("v2.png"))
    assert [c.change for c in result.changes] == [Change.changed]
    assert "v1.png" in result.unified and "v2.png" in result.unified


def test_rich_text_inside_a_macro_is_compared_word_by_word() -> None:
    panel = (
        '<ac:structured-macro ac:name="info"><ac:rich-text-body>'
        "<p>{}</p></ac:rich-text-body></ac:structured-macro>"
    )
    result = compare_bodies(
        panel.format("Call ops first."), panel.format("Call security first.")
    )
    assert "<del>ops</del> <ins>security</ins>" in result.unified


def test_unchanged_stretches_fold_with_their_count() -> None:
    middle = "".join(f"<p>Paragraph {n}.</p>" for n in range(10))
    result = compare_bodies(
        f"<p>Start.</p>{middle}<p>Finish.</p>",
        f"<p>Begin.</p>{middle}<p>Finish line.</p>",
    )
    assert (
        '<details class="redline-fold"><summary>8 unchanged paragraphs</summary>'
        in (result.unified)
    )
    # One paragraph of context stays open on each side of a change.
    assert result.unified.count("<p>Paragraph") == 10
    assert "<p>Paragraph 0.</p><details" in result.unified


def test_no_change_says_so_and_leaves_the_page_as_it_is() -> None:
    body = "<h1>Policy</h1><p>Nothing new.</p>"
    result = compare_bodies(body, body)
    assert result.summary.sentence() == "No changes"
    assert result.unified == result.new_side == result.old_side == body


def test_whitespace_only_edits_are_no_change() -> None:
    result = compare_bodies(
        "<p>One  two</p>\n<p>three</p>", "<p>One two</p><p>three</p>"
    )
    assert result.summary.unchanged


def test_an_empty_page_against_a_full_one() -> None:
    result = compare_bodies("", "<p>Everything is new.</p>")
    assert [c.change for c in result.changes] == [Change.added]
    assert compare_bodies("<p>Gone.</p>", "").summary.removed == 1


def _vectors() -> list[str]:
    return [line for line in XSS_VECTORS_FILE.read_text().splitlines() if line]


OUR_TAGS = re.compile(
    r"</?(ins|del|summary)>"
    r'|<ins class="redline-block redline-(added|moved)">'
    r'|<del class="redline-block redline-(removed|moved-from)">'
    r'|<[a-z0-9]+ class="redline-(removed|moved-from)">'
    r'|<span class="redline-(label|format)">'
    r'|<details class="redline-fold">'
    r"|</(span|details|div|p|li|td|th|dt|dd|blockquote|h[1-6])>"
)
TAG = re.compile(r"<[^>]*>")


def test_the_comparison_never_emits_unsanitised_markup() -> None:
    """Every hostile vector, stored as Signoff stores it (sanitised), compared
    against a page without it and with it changed: every tag that comes out is a
    tag one of the two stored bodies held, byte for byte, or one of the few this
    module writes itself."""
    for vector in _vectors():
        stored = sanitise_body(f"<p>before</p>{vector}<p>after</p>")
        edited = sanitise_body(f"<p>before change</p>{vector}<p>x</p>")
        pairs = ((stored, "<p>clean</p>"), ("<p>clean</p>", stored), (stored, edited))
        for old, new in pairs:
            result = compare_bodies(old, new)
            held = set(TAG.findall(normalise_body(old) + normalise_body(new)))
            for marked in (result.unified, result.old_side, result.new_side):
                for tag in TAG.findall(marked):
                    assert tag in held or OUR_TAGS.fullmatch(tag), (vector, tag)
                assert "<script" not in marked.lower(), vector


def test_a_page_of_a_megabyte_is_compared_with_every_change_found() -> None:
    paragraphs = [
        f"<p>Clause {n}: the supplier shall deliver item {n} within {n % 30} days.</p>"
        for n in range(14_000)
    ]
    old = "".join(paragraphs)
    assert len(old) > 1_000_000
    edited = list(paragraphs)
    edited[100] = "<p>Clause 100: the supplier shall deliver item 100 promptly.</p>"
    del edited[5000]
    edited.insert(9000, "<p>A new clause about penalties.</p>")
    result = compare_bodies(old, "".join(edited))
    summary = result.summary
    assert (summary.changed, summary.removed, summary.added) == (1, 1, 1)
    assert result.unified.count('<details class="redline-fold">') == 4


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<p>a &amp; b</p>", "<p>a &amp; c</p>"),
        ("<p>x &lt;script&gt;</p>", "<p>y &lt;script&gt;</p>"),
    ],
)
def test_escaped_text_stays_escaped(old: str, new: str) -> None:
    result = compare_bodies(old, new)
    assert "<script" not in result.unified
    assert "&amp;" in result.unified or "&lt;" in result.unified
