"""Two versions of a page compared as a reader sees them: block by block, then word
by word inside a changed block, marked in the rendered page.

Blocks (`blocks`) are aligned with difflib on their kind and words; a changed block
is paired with the new block most like it nearby, and its words are aligned again.
A block that left one place and arrived whole at another is *moved*, not removed
and added; one whose words stayed but whose markup changed (bold, a link's target,
paragraph to heading) is *formatting*. The marked page is the newer body with
`<ins>` and `<del>` (and classes for colour) spliced in: every byte of it comes from
the two sanitised bodies or from the fixed markup written here, so it is as safe as
they are. Unchanged stretches between changes fold into `<details>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum

from signoff.storage_format.blocks import HEADINGS, Block, Cut, cut_blocks
from signoff.storage_format.tokens import ATTR_PARTS, MARKUP_TOKEN

PAIRING_WINDOW = 12
"""How far ahead, in blocks, a changed block looks for the new block it became."""
SIMILAR = 0.5
"""The share of the shorter block's words the other must keep to be that block
changed."""
_PUNCTUATION = ".,;:!?\"'()[]{}\u00ab\u00bb\u201c\u201d\u2018\u2019"
FOLD_AT_LEAST = 3
"""Unchanged top-level elements fold when at least this many stand together."""
CONTEXT = 1
"""Unchanged top-level elements kept open on each side of a change."""
_WRAPPABLE = frozenset({"p", "li", "td", "th", "dt", "dd", "blockquote", *HEADINGS})
_STYLE_NAMES = {
    "strong": "bold",
    "b": "bold",
    "em": "italic",
    "i": "italic",
    "u": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "sup": "superscript",
    "sub": "subscript",
    "span": "colour",
    "a": "link",
    "ac:link": "link",
}


class Change(StrEnum):
    same = "same"
    changed = "changed"
    added = "added"
    removed = "removed"
    moved = "moved"
    formatting = "formatting"


@dataclass(frozen=True)
class BlockChange:
    change: Change
    old: Block | None
    new: Block | None
    formatting: tuple[str, ...] = ()
    """What changed in a block whose words stayed: "bold", "link target", ..."""
    words: int = 0
    """Words inserted plus words deleted."""


@dataclass(frozen=True)
class Summary:
    changed: int = 0
    added: int = 0
    removed: int = 0
    moved: int = 0
    formatting: int = 0
    words: int = 0

    @property
    def unchanged(self) -> bool:
        return not (
            self.changed or self.added or self.removed or self.moved or self.formatting
        )

    def sentence(self) -> str:
        """ "3 paragraphs changed, 1 added, 42 words", or "No changes"."""
        if self.unchanged:
            return "No changes"
        parts = []
        if self.changed:
            noun = "paragraph" if self.changed == 1 else "paragraphs"
            parts.append(f"{self.changed} {noun} changed")
        for count, word in (
            (self.added, "added"),
            (self.removed, "removed"),
            (self.moved, "moved"),
            (self.formatting, "reformatted"),
        ):
            if count:
                parts.append(f"{count} {word}")
        if self.words:
            parts.append(f"{self.words} {'word' if self.words == 1 else 'words'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Comparison:
    changes: list[BlockChange]
    summary: Summary
    unified: str
    """The newer page with insertions, deletions and moves marked, unchanged
    stretches folded."""
    old_side: str
    """The older page with what went marked, for the side-by-side view."""
    new_side: str
    """The newer page with what came marked, for the side-by-side view."""


def compare_bodies(old: str, new: str) -> Comparison:
    """Compare two stored (sanitised) bodies of one page."""
    before, after = cut_blocks(old), cut_blocks(new)
    changes = _align(before.blocks, after.blocks)
    summary = _summarise(changes)
    return Comparison(
        changes=changes,
        summary=summary,
        unified=_unified(after, changes),
        old_side=_old_side(before, changes),
        new_side=_new_side(after, changes),
    )


def measure_change(old: str, new: str) -> Summary:
    """How much changed between two stored bodies, without marking either."""
    return _summarise(_align(cut_blocks(old).blocks, cut_blocks(new).blocks))


# --- alignment ----------------------------------------------------------------------


def _align(old: list[Block], new: list[Block]) -> list[BlockChange]:
    matcher = SequenceMatcher(
        None, [b.key for b in old], [b.key for b in new], autojunk=False
    )
    changes: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(
                _same(o, n) for o, n in zip(old[i1:i2], new[j1:j2], strict=True)
            )
        else:
            changes.extend(_pair(old[i1:i2], new[j1:j2]))
    return _find_moves(changes)


def _same(old: Block, new: Block) -> BlockChange:
    if old.markup == new.markup:
        return BlockChange(Change.same, old, new)
    styles = _style_changes(old, new)
    return (
        BlockChange(Change.formatting, old, new, styles)
        if styles
        else (BlockChange(Change.same, old, new))
    )


def _pair(old: Sequence[Block], new: Sequence[Block]) -> Iterator[BlockChange]:
    """Blocks of a replaced stretch paired in order with the most similar block a
    few places ahead; what pairs with nothing was removed or added."""
    if len(old) == len(new) and all(
        _comparable(a, b) and a.kind == b.kind for a, b in zip(old, new, strict=True)
    ):
        # Edited in place: as many blocks of the same kinds on both sides.
        yield from (_changed(a, b) for a, b in zip(old, new, strict=True))
        return
    at = 0
    for block in old:
        best, best_score = None, SIMILAR
        for index in range(at, min(len(new), at + PAIRING_WINDOW)):
            score = _similarity(block, new[index])
            if score >= best_score and _comparable(block, new[index]):
                best, best_score = index, score
                if score == 1.0:
                    break
        if best is None:
            yield BlockChange(Change.removed, block, None, words=len(block.words))
            continue
        for added in new[at:best]:
            yield BlockChange(Change.added, None, added, words=len(added.words))
        yield _changed(block, new[best])
        at = best + 1
    for added in new[at:]:
        yield BlockChange(Change.added, None, added, words=len(added.words))


def _comparable(old: Block, new: Block) -> bool:
    return old.atom == new.atom and (not old.atom or old.kind == new.kind)


def _similarity(old: Block, new: Block) -> float:
    """How much of the shorter block the longer one keeps, word for word (case and
    punctuation aside): a paragraph that grew is still that paragraph."""
    if old.atom or new.atom:
        return 1.0 if old.markup == new.markup else 0.5 if old.kind == new.kind else 0
    a, b = _plain_words(old.words), _plain_words(new.words)
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    kept = sum(size for _, _, size in matcher.get_matching_blocks())
    return kept / min(len(a), len(b))


def _plain_words(words: Sequence[str]) -> list[str]:
    return [word.strip(_PUNCTUATION).casefold() for word in words]


def _changed(old: Block, new: Block) -> BlockChange:
    if old.text == new.text and not old.atom:
        styles = _style_changes(old, new)
        return BlockChange(Change.formatting, old, new, styles or ("layout",))
    matcher = SequenceMatcher(None, old.words, new.words, autojunk=False)
    words = sum(
        (i2 - i1) + (j2 - j1)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )
    return BlockChange(Change.changed, old, new, words=words or 1)


def _find_moves(changes: list[BlockChange]) -> list[BlockChange]:
    """A removed block that arrives word for word elsewhere is moved there."""
    removed: dict[str, list[int]] = {}
    for index, change in enumerate(changes):
        if change.change is Change.removed and change.old is not None:
            removed.setdefault(change.old.key, []).append(index)
    if not removed:
        return changes
    result = list(changes)
    for index, change in enumerate(changes):
        if change.change is not Change.added or change.new is None:
            continue
        places = removed.get(change.new.key)
        if places:
            origin = places.pop(0)
            old = changes[origin].old
            result[index] = BlockChange(Change.moved, old, change.new)
            result[origin] = BlockChange(Change.moved, old, None)
    return result


def _summarise(changes: Sequence[BlockChange]) -> Summary:
    counts = dict.fromkeys(Change, 0)
    for change in changes:
        if change.change is Change.moved and change.new is None:
            continue  # the place a moved block left: counted where it arrived
        counts[change.change] += 1
    return Summary(
        changed=counts[Change.changed],
        added=counts[Change.added],
        removed=counts[Change.removed],
        moved=counts[Change.moved],
        formatting=counts[Change.formatting],
        words=sum(change.words for change in changes),
    )


# --- formatting ---------------------------------------------------------------------


def _style_changes(old: Block, new: Block) -> tuple[str, ...]:
    """Which kinds of formatting differ between two blocks with the same words."""
    found: set[str] = set()
    if old.kind != new.kind:
        found.add(
            "heading" if new.kind in HEADINGS or old.kind in HEADINGS else "layout"
        )
    before, after = _word_styles(old.markup), _word_styles(new.markup)
    for a, b in zip(before, after, strict=False):
        for name in a ^ b:
            found.add("link target" if name.startswith("link ") else name)
    if len(before) != len(after) and not found:
        found.add("layout")
    if not found and old.markup != new.markup:
        found.add("markup")
    return tuple(sorted(found))


def _word_styles(markup: str) -> list[frozenset[str]]:
    """For each word, the formatting it wears (links with their targets)."""
    styles: list[frozenset[str]] = []
    open_tags: list[tuple[str, str]] = []
    at = 0
    for match in MARKUP_TOKEN.finditer(markup + "<x>"):
        text = markup[at : match.start()]
        current = frozenset(
            item for name, target in open_tags for item in _style(name, target)
        )
        styles.extend(current for _ in text.split())
        at = match.end()
        if match.group("end"):
            name = match.group("end").lower()
            for index in range(len(open_tags) - 1, -1, -1):
                if open_tags[index][0] == name:
                    del open_tags[index]
                    break
        elif match.group("name") and not match.group("slash"):
            name = match.group("name").lower()
            open_tags.append((name, _target(match.group("attrs") or "")))
    return styles


def _style(name: str, target: str) -> tuple[str, ...]:
    style = _STYLE_NAMES.get(name)
    if style is None:
        return ()
    if style == "link":
        return ("link", f"link {target}")
    return (style,)


def _target(attrs: str) -> str:
    for part in ATTR_PARTS.finditer(attrs):
        if part.group(1).lower() in ("href", "style"):
            return part.group(2) or part.group(3) or part.group(4) or ""
    return ""


# --- words --------------------------------------------------------------------------


@dataclass
class _Piece:
    """A tag, or a stretch of text with its words."""

    markup: str
    words: list[str] = field(default_factory=list)


def _pieces(markup: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    at = 0
    for match in MARKUP_TOKEN.finditer(markup):
        if match.start() > at:
            text = markup[at : match.start()]
            pieces.append(_Piece(text, re.findall(r"\s+|\S+", text)))
        pieces.append(_Piece(match.group(0)))
        at = match.end()
    if at < len(markup):
        text = markup[at:]
        pieces.append(_Piece(text, re.findall(r"\s+|\S+", text)))
    return pieces


def _words_of(pieces: list[_Piece]) -> list[str]:
    return [word for piece in pieces for word in piece.words if not word.isspace()]


def _marked_words(old: Block, new: Block, *, show: str) -> str:
    """One side of a changed block, word by word: `show` is "both" (the new markup
    with deleted words put back before where they stood), "old" or "new"."""
    old_pieces, new_pieces = _pieces(old.markup), _pieces(new.markup)
    old_words, new_words = _words_of(old_pieces), _words_of(new_pieces)
    matcher = SequenceMatcher(
        None,
        [html.unescape(w) for w in old_words],
        [html.unescape(w) for w in new_words],
        autojunk=False,
    )
    marked: set[int] = set()
    gone_before: dict[int, list[str]] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if show == "old":
            marked.update(range(i1, i2))
        else:
            marked.update(range(j1, j2))
            if show == "both" and i2 > i1:
                gone_before.setdefault(j1, []).extend(old_words[i1:i2])
    pieces = old_pieces if show == "old" else new_pieces
    wrapper = ("<del>", "</del>") if show == "old" else ("<ins>", "</ins>")
    total = len(old_words) if show == "old" else len(new_words)
    out: list[str] = []
    index = 0
    for piece in pieces:
        if not piece.words:
            out.append(piece.markup)
            continue
        inside, space = False, ""
        for word in piece.words:
            if word.isspace():
                space += word  # placed once the next word says on which side
                continue
            if inside and (index not in marked or index in gone_before):
                out.append(wrapper[1])
                inside = False
            out.append(space)
            space = ""
            if index in gone_before:
                out.append(f"<del>{' '.join(gone_before.pop(index))}</del> ")
            if index in marked and not inside:
                out.append(wrapper[0])
                inside = True
            out.append(word)
            index += 1
        if inside:
            out.append(wrapper[1])
        out.append(space)
    if show == "both" and total in gone_before:
        out.append(f" <del>{' '.join(gone_before.pop(total))}</del>")
    return "".join(out)


# --- rendering ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str
    order: int = 1
    """At one place, insertions (0) come before replacements (1)."""


def _splice(body: str, edits: list[_Edit]) -> str:
    out: list[str] = []
    at = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.order)):
        out.append(body[at : edit.start])
        out.append(edit.text)
        at = max(at, edit.end)
    out.append(body[at:])
    return "".join(out)


def _label(text: str) -> str:
    """A marker people read without colour (and screen readers announce)."""
    return f'<span class="redline-label">{html.escape(text)}</span>'


def _gone(block: Block, *, moved: bool = False, sibling: bool = True) -> str:
    """A block of the older version shown where it stood, struck through: as an
    element of its own kind beside one of that kind (`sibling`), else in a `div`."""
    css = "redline-moved-from" if moved else "redline-removed"
    label = _label("Moved from here" if moved else "Removed")
    if block.atom:
        return f'<del class="redline-block {css}">{label}{block.markup}</del>'
    tag = block.kind if sibling and block.kind in _WRAPPABLE else "div"
    return f'<{tag} class="{css}">{label}<del>{block.markup}</del></{tag}>'


def _came(block: Block, *, moved: bool = False) -> str:
    css = "redline-moved" if moved else "redline-added"
    label = _label("Moved here" if moved else "Added")
    return f'<ins class="redline-block {css}">{label}{block.markup}</ins>'


def _restyled(block: Block, styles: tuple[str, ...]) -> str:
    note = "Formatting changed: " + ", ".join(styles)
    return f'<span class="redline-format">{_label(note)}{block.markup}</span>'


def _anchors(cut: Cut, changes: Sequence[BlockChange]) -> Iterator[_Edit]:
    """Where each block that left shows in the newer body: beside the next newer
    block of its kind, or after the previous one, else between the top-level
    elements around it, so it never lands inside a list or table it was not in."""
    before: Block | None = None
    pending: list[BlockChange] = []

    def place(gone: BlockChange, after: Block | None) -> _Edit:
        old = gone.old
        assert old is not None
        moved = gone.change is Change.moved
        if after is not None and after.kind == old.kind and not old.atom:
            at = after.element_start
            return _Edit(at, at, _gone(old, moved=moved), 0)
        if before is not None and before.kind == old.kind and not old.atom:
            at = before.element_end
            return _Edit(at, at, _gone(old, moved=moved), 2)
        at = cut.tops[after.top].start if after is not None else len(cut.body)
        return _Edit(at, at, _gone(old, moved=moved, sibling=False), -1)

    for change in changes:
        if change.new is None:
            pending.append(change)
            continue
        for gone in pending:
            yield place(gone, change.new)
        pending.clear()
        before = change.new
    for gone in pending:
        yield place(gone, None)


def _newer_edits(changes: Sequence[BlockChange], *, show: str) -> list[_Edit]:
    """The marks on the newer body's own blocks: `show` is "both" (the unified view:
    a changed block keeps its deleted words, a changed atom its old self) or "new"
    (the newer side alone)."""
    edits: list[_Edit] = []
    for change in changes:
        new, old = change.new, change.old
        if new is None:
            continue
        if change.change is Change.changed and old is not None:
            if new.atom:
                text = (_gone(old) if show == "both" else "") + _came(new)
            else:
                text = _marked_words(old, new, show=show)
            edits.append(_Edit(new.start, new.end, text))
        elif change.change in (Change.added, Change.moved):
            moved = change.change is Change.moved
            edits.append(_Edit(new.start, new.end, _came(new, moved=moved)))
        elif change.change is Change.formatting:
            edits.append(_Edit(new.start, new.end, _restyled(new, change.formatting)))
    return edits


def _unified(after: Cut, changes: Sequence[BlockChange]) -> str:
    edits = list(_anchors(after, changes)) + _newer_edits(changes, show="both")
    return _splice(after.body, edits + _folds(after, changes, edits))


def _folds(
    after: Cut, changes: Sequence[BlockChange], edits: list[_Edit]
) -> list[_Edit]:
    """`<details>` around each long stretch of top-level elements nothing touched."""
    if not edits:
        return []
    touched = set()
    for edit in edits:
        for index, top in enumerate(after.tops):
            if top.start <= edit.start <= top.end:
                touched.add(index)
                break
        else:
            touched.add(len(after.tops))
    counts = [0] * len(after.tops)
    for change in changes:
        if change.new is not None:
            counts[change.new.top] += 1
    folds: list[_Edit] = []
    run: list[int] = []

    def close() -> None:
        inner = run[CONTEXT if run[0] > 0 else 0 :]
        if run[-1] < len(after.tops) - 1 or touched & {len(after.tops)}:
            inner = inner[: len(inner) - CONTEXT] if inner else inner
        if len(inner) >= FOLD_AT_LEAST:
            first, last = after.tops[inner[0]], after.tops[inner[-1]]
            blocks = sum(counts[i] for i in inner)
            noun = "paragraph" if blocks == 1 else "paragraphs"
            summary = f"{blocks} unchanged {noun}"
            folds.append(
                _Edit(
                    first.start,
                    first.start,
                    f'<details class="redline-fold"><summary>{summary}</summary>',
                    -1,
                )
            )
            folds.append(_Edit(last.end, last.end, "</details>", 2))
        run.clear()

    for index in range(len(after.tops)):
        if index in touched:
            if run:
                close()
        else:
            run.append(index)
    if run:
        close()
    return folds


def _old_side(before: Cut, changes: Sequence[BlockChange]) -> str:
    edits: list[_Edit] = []
    for change in changes:
        old = change.old
        if old is None:
            continue
        if change.change is Change.changed and change.new is not None:
            text = (
                _gone(old) if old.atom else _marked_words(old, change.new, show="old")
            )
            edits.append(_Edit(old.start, old.end, text))
        elif change.change is Change.removed:
            edits.append(_Edit(old.start, old.end, f"<del>{old.markup}</del>"))
        elif change.change is Change.moved and change.new is None:
            edits.append(
                _Edit(old.start, old.end, _label("Moved") + f"<del>{old.markup}</del>")
            )
        elif change.change is Change.formatting:
            edits.append(_Edit(old.start, old.end, _restyled(old, change.formatting)))
    return _splice(before.body, edits)


def _new_side(after: Cut, changes: Sequence[BlockChange]) -> str:
    return _splice(after.body, _newer_edits(changes, show="new"))
