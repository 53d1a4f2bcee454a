"""Checks for values people type: each failure names its field."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from signoff.domain.errors import BadInput

# C0 and C1 controls but the line breaks (NEL, U+0085, is the C1 one) and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAKS = re.compile(r"\s*[\r\n\x85\u2028\u2029]+\s*")


def clean_text(
    value: str,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Trimmed text without control characters (they forge lines in logs and exports).

    Single-line fields (titles, names) also fold line breaks into one space.
    """
    if not isinstance(value, str):
        raise BadInput(f"{field} must be text.", field=field)
    text = _CONTROL.sub("", value)
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    text = text.strip()
    if required and not text:
        raise BadInput(f"{field} must not be empty.", field=field)
    if len(text) > max_length:
        raise BadInput(f"{field} is longer than {max_length} characters.", field=field)
    return text


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
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadInput(f"{field} {hint}.", field=field)
    return value
