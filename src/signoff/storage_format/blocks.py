"""A storage-format body cut into the blocks a reader sees, for comparing versions.

A block is a run of text and inline markup under its nearest block element (a
paragraph, heading, list item, table cell, quote), or one whole element a reader
takes in at a glance (an image, a rule, a macro with no rich text inside, such as a
code block). Each block keeps where it sits in the body, so a comparison can mark
the body in place, and the top-level element it belongs to, so unchanged stretches
can fold. Bodies are sanitised and normalised first, so the markup is balanced.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from signoff.storage_format.normalise import normalise_body
from signoff.storage_format.tokens import MARKUP_TOKEN, VOID_ELEMENTS

# Elements whose inline content is one block.
LEAF_BLOCKS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd",
        "caption", "figcaption", "blockquote", "summary", "ac:task-body",
    }
)  # fmt: skip
# Elements that only hold blocks: their own text (whitespace) is no block.
CONTAINERS = frozenset(
    {
        "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup",
        "col", "div", "section", "details", "figure", "ac:layout",
        "ac:layout-section", "ac:layout-cell", "ac:rich-text-body", "ac:task-list",
        "ac:task", "ac:structured-macro",
    }
)  # fmt: skip
# Elements taken in whole: compared as one piece, never word by word.
ATOMS = frozenset({"img", "ac:image", "hr", "pre", "ac:emoticon"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORDS = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class Block:
    """One block of a body: `markup` is `body[start:end]`, its inline content (or,
    for an atom, the whole element); `outer_start` is where its block element opens
    (the run's own start when it shares that element with an earlier run)."""

    kind: str
    start: int
    end: int
    outer_start: int
    element_start: int
    """Where the block's element opens (shared by every run of that element)."""
    element_end: int
    """Where the block's element has closed (for an atom, its own end)."""
    top: int
    """Index of the top-level element of the body the block sits in."""
    markup: str
    text: str
    atom: bool = False
    words: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """What two versions must share for a block to be the same to a reader:
        its kind and its words (an atom: its whole markup)."""
        return f"{self.kind}\x00{self.markup if self.atom else self.text}"


class TopElement(NamedTuple):
    start: int
    end: int


@dataclass(frozen=True)
class Cut:
    """A normalised body and its blocks, in document order."""

    body: str
    blocks: list[Block]
    tops: list[TopElement]


class _Token(NamedTuple):
    start: int
    end: int
    name: str | None
    """The element name of a tag; None for text (and comments, CDATA)."""
    closing: bool = False
    self_closing: bool = False


def cut_blocks(body: str) -> Cut:
    """The blocks of `body` (a stored, sanitised body), normalised first."""
    normal = normalise_body(body)
    return Cut(normal, *_blocks(normal))


# In a normalised body every "<" and ">" is a tag's (text and attribute values are
# escaped, comments dropped, CDATA written as text), so a plain pattern finds them.
_TAG = re.compile(r"<(/?)([^\s/>]+)[^>]*?(/?)>")


def _tokens(body: str) -> Iterator[_Token]:
    """The tags and the text between them of a normalised body."""
    at = 0
    for match in _TAG.finditer(body):
        start, end = match.span()
        if start > at:
            yield _Token(at, start, None)
        closing, name, slash = match.groups()
        name = name.lower()
        yield _Token(
            start,
            end,
            name,
            closing=bool(closing),
            self_closing=bool(slash) or name in VOID_ELEMENTS,
        )
        at = end
    if at < len(body):
        yield _Token(at, len(body), None)


def _is_atom(name: str, body: str, token: _Token) -> bool:
    if name in ATOMS:
        return True
    if name == "ac:structured-macro":
        # A macro with rich text inside holds blocks; any other is one piece.
        close = body.find("</ac:structured-macro>", token.end)
        inner = body[token.end : close if close >= 0 else len(body)]
        return "<ac:rich-text-body" not in inner
    return False


def _blocks(body: str) -> tuple[list[Block], list[TopElement]]:
    tokens = list(_tokens(body))
    blocks: list[Block] = []
    stack: list[tuple[str, int]] = []  # open block elements: (name, tag start)
    run: list[int] | None = None  # [start, end] of the inline run under way
    ends: dict[int, int] = {}  # where each element that opened at a place closed

    def end_run() -> None:
        nonlocal run
        if run is None:
            return
        start, end = run
        run = None
        markup = body[start:end]
        text = _plain(markup)
        if not text:
            return
        kind, element_start = next(
            ((n, at) for n, at in reversed(stack) if n in LEAF_BLOCKS), ("p", start)
        )
        shared = bool(blocks) and blocks[-1].outer_start == element_start
        blocks.append(
            Block(
                kind=kind,
                start=start,
                end=end,
                outer_start=start if shared else element_start,
                element_start=element_start,
                element_end=end,
                top=0,
                markup=markup,
                text=text,
                words=_WORDS.findall(text),
            )
        )

    index = 0
    while index < len(tokens):
        token, name = tokens[index], tokens[index].name
        if name is not None and not token.closing and _is_atom(name, body, token):
            end_run()
            after = _skip_element(tokens, index, name)
            markup = body[token.start : tokens[after - 1].end]
            blocks.append(
                Block(
                    kind=name,
                    start=token.start,
                    end=tokens[after - 1].end,
                    outer_start=token.start,
                    element_start=token.start,
                    element_end=tokens[after - 1].end,
                    top=0,
                    markup=markup,
                    text=_plain(markup) or name,
                    atom=True,
                    words=_WORDS.findall(_plain(markup)),
                )
            )
            index = after
            continue
        if name is None or (name not in LEAF_BLOCKS and name not in CONTAINERS):
            if run is None:
                run = [token.start, token.end]
            else:
                run[1] = token.end
        else:
            end_run()
            if token.closing:
                while stack:
                    open_name, opened = stack.pop()
                    ends[opened] = token.end
                    if open_name == name:
                        break
            elif not token.self_closing:
                stack.append((name, token.start))
        index += 1
    end_run()
    tops = _top_elements(body, tokens)
    starts = [top.start for top in tops]
    for block in blocks:
        block.top = max(0, bisect_right(starts, block.start) - 1)
        if not block.atom:
            block.element_end = ends.get(block.element_start, block.element_end)
    return blocks, tops


def _top_elements(body: str, tokens: list[_Token]) -> list[TopElement]:
    """The body's top-level pieces: each element outside every other, and each
    stretch of text between them that is not only whitespace."""
    tops: list[TopElement] = []
    depth, start = 0, None
    for token in tokens:
        if depth == 0 and token.name is None:
            if body[token.start : token.end].strip():
                if start is None:
                    start = token.start
                tops.append(TopElement(start, token.end))
                start = None
            continue
        if token.name is None or token.self_closing:
            if depth == 0:
                tops.append(TopElement(token.start, token.end))
            continue
        if token.closing:
            depth = max(0, depth - 1)
            if depth == 0 and start is not None:
                tops.append(TopElement(start, token.end))
                start = None
        else:
            if depth == 0:
                start = token.start
            depth += 1
    if start is not None:
        tops.append(TopElement(start, len(body)))
    return tops


def _skip_element(tokens: list[_Token], index: int, name: str) -> int:
    """The index after the element opened at `index` (nested ones of its name
    counted)."""
    if tokens[index].self_closing:
        return index + 1
    depth = 0
    for at in range(index, len(tokens)):
        token = tokens[at]
        if token.name == name:
            if token.closing:
                depth -= 1
                if depth == 0:
                    return at + 1
            elif not token.self_closing:
                depth += 1
    return len(tokens)


def _plain(markup: str) -> str:
    """The words a reader sees in `markup`, spaces collapsed."""
    text = MARKUP_TOKEN.sub(" ", markup)
    return _SPACE.sub(" ", html.unescape(text)).strip()
