"""Markdown to storage format, one conversion for the pipeline client and the editor.

Markdown is CommonMark plus tables (markdown-it-py), written as XHTML, which the
store's storage format is. Raw HTML in the Markdown passes through as written: the
store sanitises every body on its way in, so nothing unsafe is kept.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"xhtmlOut": True}).enable("table")


def render_markdown(text: str) -> str:
    """The storage-format body `text` becomes; not yet sanitised."""
    html: str = _markdown.render(text)
    return html


def first_heading(text: str) -> str | None:
    """The text of the first level-1 heading, as CommonMark reads it."""
    tokens = _markdown.parse(text)
    for here, token in enumerate(tokens[:-1]):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[here + 1].content.strip() or None
    return None
