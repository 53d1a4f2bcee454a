"""The built-in store: pages written in Signoff, every version a row of its own.

Versions and their bodies are `page_versions` rows, written by the store's edit
(`actions.pages`); Signoff may always write a new version of its own pages.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import Page, PageVersion
from signoff.domain.errors import NotFound

BUILTIN = "builtin"


class BuiltinStore:
    """`ContentSource` of the pages Signoff stores itself."""

    name = BUILTIN

    def edit_refusal(self, page: Page) -> str | None:
        return None

    def latest_version(self, session: Session, page: Page) -> PageVersion:
        version = session.scalar(
            select(PageVersion).where(
                PageVersion.page_id == page.id,
                PageVersion.number == page.current_version,
            )
        )
        assert version is not None, "a page always has its current version"
        return version

    def version_body(self, session: Session, page: Page, number: int) -> str:
        body = session.scalar(
            select(PageVersion.body).where(
                PageVersion.page_id == page.id, PageVersion.number == number
            )
        )
        if body is None:
            raise NotFound(f"Page {page.id} has no version {number}.")
        return body
