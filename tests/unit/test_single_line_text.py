"""Single-line fields refuse characters that reorder how they display.

Bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069)
in a title or a name make it read differently from what is stored: in the queue, the
audit trail and CSV exports. Multi-line text (comments, summaries) keeps them, and
right-to-left letters need none of them.
"""

from __future__ import annotations

import re

import pytest

from signoff.actions.validate import check_pattern, clean_text
from signoff.domain.errors import BadInput

BIDI_CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_single_line_field_refuses_each_bidi_control_naming_it(control: str) -> None:
    with pytest.raises(BadInput) as refused:
        clean_text(f"invoice{control}fdp.exe", field="title", max_length=200)
    assert refused.value.field == "title"
    assert str(refused.value) == (
        f"title contains the bidirectional control character U+{ord(control):04X} "
        "at position 8: single-line text may not reorder how it displays. Remove it."
    )


def test_the_position_is_counted_in_what_was_typed() -> None:
    with pytest.raises(BadInput, match=r"U\+202E at position 4:"):
        clean_text("\x00ab\u202ecd", field="name", max_length=200)


def test_multi_line_text_keeps_bidi_controls() -> None:
    text = "quoted \u2067\u05e9\u05dc\u05d5\u05dd\u2069 here\nsecond line"
    assert clean_text(text, field="comment", max_length=500, multiline=True) == text


def test_right_to_left_letters_and_marks_are_welcome_in_a_title() -> None:
    hebrew = "\u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea"
    arabic = "\u0633\u064a\u0627\u0633\u0629"
    title = f"{hebrew} \u200f(Policy) {arabic}"
    assert clean_text(title, field="title", max_length=200) == title


def test_a_key_or_an_address_names_the_bidi_control_too() -> None:
    with pytest.raises(BadInput, match=r"^email contains .* U\+2066 at position 5:"):
        check_pattern(
            "mall\u2066@example.com",
            re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
            field="email",
            hint="is not an email address",
        )
