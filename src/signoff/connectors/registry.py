"""Which `ContentSource` holds a page: looked up by the page's `source`.

A page from a source this server does not run (its connector not set up here) can
still be read from what was recorded, but never edited by Signoff.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.connectors.builtin import BUILTIN, BuiltinStore
from signoff.connectors.confluence.source import ConfluencePages, site_of
from signoff.connectors.source import ContentSource
from signoff.db.models import Page, PageVersion
from signoff.domain.errors import NotFound

_SOURCES: dict[str, ContentSource] = {BUILTIN: BuiltinStore()}


def source_of(page: Page) -> ContentSource:
    """The source `page` comes from."""
    known = _SOURCES.get(page.source)
    if known is not None:
        return known
    if site_of(page.source) is not None:
        return ConfluencePages(page.source)
    return RecordedOnly(page.source)


class RecordedOnly:
    """A source this server has no connector for: its recorded versions, read-only."""

    def __init__(self, name: str) -> None:
        self.name = name

    def edit_refusal(self, page: Page) -> str | None:
        return (
            f"Page {page.id} is kept in {self.name!r}, not in Signoff's store: "
            "edit it there, and Signoff records each new version as it sees it."
        )

    def latest_version(self, session: Session, page: Page) -> PageVersion:
        return _BUILTIN_ROWS.latest_version(session, page)

    def version_body(self, session: Session, page: Page, number: int) -> str:
        try:
            return _BUILTIN_ROWS.version_body(session, page, number)
        except NotFound:
            raise NotFound(
                f"Page {page.id} version {number} has not been fetched from "
                f"{self.name!r}."
            ) from None


_BUILTIN_ROWS = BuiltinStore()
