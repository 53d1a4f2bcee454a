"""Confluence pages as a `ContentSource`: versions recorded as each pass sees them.

A page's `source` is `confluence:<site id>` and its `external_id` the Confluence page
id. Every version a pass sees is recorded with its storage body, so reading a
version's body needs no call to the site; Signoff never writes a page's content
there: people edit in Confluence, and the next pass records what they saved.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.connectors.builtin import BuiltinStore
from signoff.db.models import Page, PageVersion
from signoff.domain.errors import NotFound

PREFIX = "confluence:"


def source_name(site_id: int) -> str:
    """The `Page.source` of pages from the site `site_id`."""
    return f"{PREFIX}{site_id}"


def site_of(source: str) -> int | None:
    """The site id a `Page.source` names, or None if it is not a Confluence one."""
    if not source.startswith(PREFIX):
        return None
    tail = source.removeprefix(PREFIX)
    return int(tail) if tail.isascii() and tail.isdigit() else None


class ConfluencePages:
    """`ContentSource` of the pages of one Confluence site."""

    def __init__(self, source: str) -> None:
        self.name = source
        self._rows = BuiltinStore()

    def edit_refusal(self, page: Page) -> str | None:
        return (
            f"Page {page.external_id or page.id} is kept in Confluence: edit it "
            "there, and Signoff records the new version at its next pass."
        )

    def latest_version(self, session: Session, page: Page) -> PageVersion:
        return self._rows.latest_version(session, page)

    def version_body(self, session: Session, page: Page, number: int) -> str:
        try:
            return self._rows.version_body(session, page, number)
        except NotFound:
            raise NotFound(
                f"Page {page.external_id} version {number} was not seen by a pass."
            ) from None
