"""What a Confluence site answered when it did not answer 2xx, in one shape.

Confluence speaks three error envelopes (v2 `{"errors": [...]}`, v1
`{"statusCode", "message", ...}`, the gateway's `{"code", "message"}`) and sometimes
none (an HTML 401). `ConfluenceError` keeps the status, the site's own words and
whether it is worth trying again, so callers and `status` can say what happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class ConfluenceError(Exception):
    """A call that failed: `status` 0 when no answer came (connection failure)."""

    status: int
    message: str
    method: str = "GET"
    path: str = ""
    retry_after: float | None = None
    final: bool = False
    """No call was made and none would be: the address policy refused the site."""

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.path else ""
        code = f"{self.status} " if self.status else ""
        return f"{where}{code}{self.message}"

    @property
    def retryable(self) -> bool:
        if self.final:
            return False
        return self.status == 0 or self.status in RETRYABLE

    @property
    def is_auth(self) -> bool:
        """Credentials refused or lacking a scope: trying again will not help."""
        return self.status in (401, 403)


def site_words(status: int, body: bytes, content_type: str) -> str:
    """The site's own explanation of a failure, from whichever envelope it used."""
    text = body.decode("utf-8", "replace").strip()
    if "json" in content_type or text.startswith(("{", "[")):
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = None
        words = _from_envelope(parsed)
        if words:
            return words
    plain = text[:300] if text and "<" not in text[:1] else ""
    if status == 401:
        # The site's own sentence first (when it wrote one rather than a page).
        told = "the credentials were refused (check the email, the token and the URL)"
        return f"{plain} ({told})" if plain else told
    if plain:
        return plain
    return f"HTTP {status}"


def _from_envelope(parsed: Any) -> str:
    if not isinstance(parsed, dict):
        return ""
    parts: list[str] = []
    errors = parsed.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                parts.extend(
                    str(error[key])
                    for key in ("title", "detail", "message")
                    if error.get(key)
                )
            elif isinstance(error, str):
                parts.append(error)
    for key in ("message", "reason", "error_description", "errorMessage"):
        value = parsed.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    messages = parsed.get("errorMessages")
    if isinstance(messages, list):
        parts.extend(str(message) for message in messages)
    return "; ".join(parts)[:500]
