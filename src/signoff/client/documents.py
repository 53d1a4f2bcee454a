"""A folder of Markdown and HTML files, read as the pages they should become.

Each file may open with YAML front matter: `title` (else the first heading, else
the file name) and `id`, a key that stays the same when the file moves (else the
file's path relative to the folder). Hidden files and folders are skipped, which
keeps the mapping file and `.git` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter

from signoff.client.errors import BadDocument
from signoff.client.rendering import digest

MARKDOWN = frozenset({".md", ".markdown"})
HTML = frozenset({".html", ".htm"})
_HTML_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Document:
    key: str
    path: str  # relative to the folder, with forward slashes
    title: str
    body: str  # storage format

    @property
    def digest(self) -> str:
        return digest(self.title, self.body)


def source_files(root: Path) -> list[Path]:
    found = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix.lower() in MARKDOWN | HTML
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def read_document(root: Path, path: Path) -> Document:
    relative = path.relative_to(root).as_posix()
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BadDocument(f"{relative}: not UTF-8 text.") from None
    except Exception as error:  # the YAML library's errors, which have no stubs
        problem = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise BadDocument(f"{relative}: bad front matter: {problem}") from None
    is_markdown = path.suffix.lower() in MARKDOWN
    # The Markdown renderer loads with the first file that needs it, not with the
    # command: `signoff sync --help` pays nothing for it.
    from signoff.storage_format.markdown import render_markdown

    body = render_markdown(post.content) if is_markdown else post.content.strip()
    return Document(
        key=_front_text(post.metadata, "id", relative) or relative,
        path=relative,
        title=_front_text(post.metadata, "title", relative)
        or _heading(post.content, is_markdown)
        or path.stem,
        body=body,
    )


def read_folder(root: Path) -> list[Document]:
    """Every page file of the folder; keys and titles must each be unique."""
    documents = [read_document(root, path) for path in source_files(root)]
    for attribute, what in (("key", "id"), ("title", "title")):
        seen: dict[str, str] = {}
        for document in documents:
            value = getattr(document, attribute)
            if value in seen:
                raise BadDocument(
                    f"{document.path} and {seen[value]} have the same {what} "
                    f"{value!r}; each page needs its own."
                )
            seen[value] = document.path
    return documents


def _front_text(metadata: dict[str, object], name: str, relative: str) -> str | None:
    value = metadata.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadDocument(f"{relative}: front matter {name} must be text.")
    return str(value).strip() or None


def _heading(content: str, is_markdown: bool) -> str | None:
    if is_markdown:
        from signoff.storage_format.markdown import first_heading

        return first_heading(content)
    found = _HTML_HEADING.search(content)
    return _TAG.sub("", found.group(1)).strip() or None if found else None
