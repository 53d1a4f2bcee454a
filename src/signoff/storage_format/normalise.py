"""A body in one canonical spelling, and the hash of what readers of a version see.

Whitespace that never renders, attribute order and quoting, comments and entity
spellings are normalised away, so a no-op re-save keeps the hash and an approval
stays with the content it covered.
"""

import hashlib
import html
import json
import re
from typing import NamedTuple

from signoff.storage_format.tokens import ATTR_PARTS, MARKUP_TOKEN, VOID_ELEMENTS

# Whitespace touching these tags never renders, so it is formatting, not content.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "col",
        "colgroup", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul", "ac:parameter", "ac:rich-text-body",
        "ac:plain-text-body", "ac:task-list", "ac:task", "ac:task-id",
        "ac:task-status", "ac:task-body", "ac:layout", "ac:layout-section",
        "ac:layout-cell",
    }
)  # fmt: skip
# Whitespace inside these is content: code indentation, preformatted text.
_VERBATIM_TAGS = frozenset({"pre", "ac:plain-text-body", "ac:plain-text-link-body"})
_HTML_WHITESPACE = re.compile(r"[ \t\n\f]+")


def _escape(text: str, *, quote: bool = True) -> str:
    # A carriage return that survived line-ending unification came from "&#13;".
    return html.escape(text, quote=quote).replace("\r", "&#13;")


class _Token(NamedTuple):
    markup: str
    tag: str = ""
    is_text: bool = False
    is_block: bool = False
    verbatim: bool = False


class _Canonicaliser:
    """Collect tags in one spelling and text as decoded strings, dropping comments.

    A linear tokeniser rather than ``html.parser``, which takes quadratic time on
    runs of unclosed tags in the Python versions we support.
    """

    def __init__(self) -> None:
        self.tokens: list[_Token] = []
        self._verbatim_depth = 0

    def feed(self, body: str) -> None:
        position = 0
        for token in MARKUP_TOKEN.finditer(body):
            self._text(html.unescape(body[position : token.start()]))
            position = token.end()
            if token["cdata_end"]:
                self._text(token["cdata"])
            elif "" in (token["cdata_end"], token["comment_end"]):
                self._text(token[0])  # unterminated: kept, so what follows counts
            elif token["end"] is not None:
                self._end(token["end"].lower())
            elif token["name"] is not None:
                self._start(token["name"].lower(), token["attrs"])
                if token["slash"] and token["name"].lower() not in VOID_ELEMENTS:
                    self._end(token["name"].lower())
        self._text(html.unescape(body[position:]))

    def _start(self, tag: str, attrs: str) -> None:
        first: dict[str, str] = {}
        for name, double, single, bare in ATTR_PARTS.findall(attrs):
            # An HTML parser keeps the first of duplicate attributes.
            first.setdefault(name.lower(), html.unescape(double or single or bare))
        spelled = "".join(
            f' {name}="{_escape(value)}"' for name, value in sorted(first.items())
        )
        self.tokens.append(
            _Token(f"<{tag}{spelled}>", tag, is_block=tag in _BLOCK_TAGS)
        )
        if tag in _VERBATIM_TAGS:
            self._verbatim_depth += 1

    def _end(self, tag: str) -> None:
        if tag in _VERBATIM_TAGS and self._verbatim_depth:
            self._verbatim_depth -= 1
        self.tokens.append(_Token(f"</{tag}>", is_block=tag in _BLOCK_TAGS))

    def _text(self, data: str) -> None:
        if self.tokens and self.tokens[-1].tag == "pre":
            data = data.removeprefix("\n")  # HTML ignores one newline after <pre>
        if not data:
            return
        if self.tokens and self.tokens[-1].is_text:
            data = self.tokens.pop().markup + data
        verbatim = self._verbatim_depth > 0
        self.tokens.append(_Token(data, is_text=True, verbatim=verbatim))


def _canonical_text(tokens: list[_Token], index: int) -> str:
    text = tokens[index].markup
    if tokens[index].verbatim:
        if index and tokens[index - 1].tag == "pre" and text.startswith("\n"):
            text = "\n" + text  # written back, so the normal form parses to itself
        return _escape(text, quote=False)
    text = _HTML_WHITESPACE.sub(" ", text)
    if index == 0 or tokens[index - 1].is_block:
        text = text.lstrip(" ")
    if index == len(tokens) - 1 or tokens[index + 1].is_block:
        text = text.rstrip(" ")
    return _escape(text, quote=False)


def normalise_body(body: str) -> str:
    """Return one spelling of the body, for deciding whether content changed.

    Equal for differences a re-save may make without changing what readers see: line
    endings, runs of whitespace, indentation between blocks, attribute order and
    quoting, ``<br>`` spelling, ``<x/>`` against ``<x></x>``, CDATA against escaped
    text, character references, comments. Whitespace inside ``pre`` and plain-text
    macro bodies is kept, and so is a single space between inline elements.
    """
    unified = body.replace("\r\n", "\n").replace("\r", "\n")
    canonicaliser = _Canonicaliser()
    canonicaliser.feed(unified)
    tokens = canonicaliser.tokens
    return "".join(
        _canonical_text(tokens, index) if token.is_text else token.markup
        for index, token in enumerate(tokens)
    )


def content_hash(title: str, body: str) -> str:
    """Return the hex SHA-256 that identifies what readers of a version see.

    The title is included because a retitle changes what readers see.
    """
    canonical = json.dumps(
        [title.strip(), normalise_body(body)], ensure_ascii=False, separators=(",", ":")
    )
    # surrogatepass: a lone surrogate from a JSON client must hash, not crash.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
