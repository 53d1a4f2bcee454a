"""The page editor's two formats, and the storage-format body each one gives.

Markdown (the pipeline client's format, converted by `storage_format.markdown`) is
the default for a new page; storage format is the stored body as it is. Converting
storage format back to Markdown is not offered, so an existing page with a body
opens in storage format and only an empty page may switch to Markdown.
"""

from __future__ import annotations

from enum import StrEnum

from signoff.domain.errors import BadInput
from signoff.storage_format.markdown import render_markdown
from signoff.storage_format.sanitise import sanitise_body
from signoff.web.forms import FormValues, first


class BodyFormat(StrEnum):
    markdown = "markdown"
    storage = "storage"


def posted_format(form: FormValues) -> BodyFormat:
    """The format the form says its body is in; none sent means storage format,
    as the editor posted before it offered a choice."""
    raw = first(form, "format") or BodyFormat.storage.value
    try:
        return BodyFormat(raw)
    except ValueError:
        raise BadInput("Choose Markdown or Storage format.", field="format") from None


def storage_body(text: str, body_format: BodyFormat) -> str:
    """The body to save: Markdown converted, storage format as typed (the action
    sanitises either on its way in)."""
    return render_markdown(text) if body_format is BodyFormat.markdown else text


def preview_html(text: str, body_format: BodyFormat) -> str:
    """What the page would show: the body to save, sanitised as saving would."""
    return sanitise_body(storage_body(text, body_format))


def may_switch_to_markdown(stored_body: str) -> bool:
    """Only an empty page may be rewritten in Markdown: storage format is never
    converted back."""
    return not stored_body.strip()
