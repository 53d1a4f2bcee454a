"""How a source file's storage-format body is compared with the store's.

Markdown becomes storage format in `signoff.storage_format.markdown`, the one
conversion the web editor uses too. The store sanitises every body on the way in (drops
`style` and `class`, scripts, writes `<br>` for `<br />`), so what it gives back is
not byte-for-byte what was sent; `same_content` compares a lenient skeleton of both.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

# Attributes that carry meaning a reader sees; presentation ones may be stripped.
KEPT_ATTRIBUTES = frozenset({"href", "src", "alt", "title", "colspan", "rowspan"})
DROPPED_ELEMENTS = frozenset({"script", "style"})


def digest(title: str, body: str) -> str:
    """SHA-256 of a page's title and body, as the mapping file records it."""
    return hashlib.sha256(json.dumps([title, body]).encode()).hexdigest()


class _Skeleton(HTMLParser):
    """Tags with their meaningful attributes, and text with whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_ELEMENTS:
            self._dropping += 1
            return
        kept = sorted((k, v or "") for k, v in attrs if k in KEPT_ATTRIBUTES)
        self.parts.append(f"<{tag} {kept}>" if kept else f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_ELEMENTS:
            self._dropping = max(0, self._dropping - 1)
            return
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data).strip()
        if text and not self._dropping:
            self.parts.append(text)


def skeleton(body: str) -> list[str]:
    parser = _Skeleton()
    parser.feed(body)
    parser.close()
    return parser.parts


def same_content(title: str, body: str, stored_title: str, stored_body: str) -> bool:
    """Whether the store already holds this page, allowing for its sanitising."""
    return title == stored_title and skeleton(body) == skeleton(stored_body)
