"""Checks for values people type: each failure names its field."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from signoff.domain.errors import BadInput

# C0 and C1 controls but the line breaks (NEL, U+0085, is the C1 one) and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAKS = re.compile(r"\s*[\r\n\x85\u2028\u2029]+\s*")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
# In one line they reorder what follows them, so a title or a name can display as
# something other than what is stored: in the queue, the audit trail, CSV exports.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(
    value: str,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Trimmed text without control characters (they forge lines in logs and exports).

    Single-line fields (titles, names) also fold line breaks into one space, and
    refuse bidirectional controls (`refuse_bidi_controls`).
    """
    if not isinstance(value, str):
        raise BadInput(f"{field} must be text.", field=field)
    if not multiline:
        refuse_bidi_controls(value, field=field)
    text = _CONTROL.sub("", value)
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    text = text.strip()
    if required and not text:
        raise BadInput(f"{field} must not be empty.", field=field)
    if len(text) > max_length:
        raise BadInput(f"{field} is longer than {max_length} characters.", field=field)
    return text


def refuse_bidi_controls(value: str, *, field: str) -> None:
    """Refuse a single-line value holding a character that reorders its display.

    Refused rather than removed: the person sees why, and what is stored is what
    they typed. Right-to-left letters need none of these: the Unicode bidirectional
    algorithm orders them by themselves.
    """
    found = _BIDI_CONTROL.search(value)
    if found is not None:
        raise BadInput(
            f"{field} contains the bidirectional control character "
            f"U+{ord(found.group()):04X} at position {found.start() + 1}: "
            "single-line text may not reorder how it displays. Remove it.",
            field=field,
        )


def clean_url(value: str | None, *, field: str) -> str | None:
    """An absolute http(s) URL, or None; anything else is refused."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.username:
        raise BadInput(f"{field} must be an http or https URL.", field=field)
    if len(url) > 2000 or any(ch.isspace() for ch in url):
        raise BadInput(f"{field} is not a valid URL.", field=field)
    return url


def check_pattern(
    value: str, pattern: re.Pattern[str], *, field: str, hint: str
) -> str:
    """`value` if it matches `pattern` (a key, a username, an address) whole."""
    if isinstance(value, str):
        refuse_bidi_controls(value, field=field)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadInput(f"{field} {hint}.", field=field)
    return value
