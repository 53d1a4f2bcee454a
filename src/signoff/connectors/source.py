"""The interface every content source implements: what the engine asks of one.

Small on purpose: the latest version as the source last recorded it, one version's
body, and whether Signoff may write a new version itself. New versions from any
source come into being through one action (`actions.versions.record_version`); a
source that notices edits elsewhere calls it as the built-in store's edit does.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from signoff.db.models import Page, PageVersion


class ContentSource(Protocol):
    """One place pages live: Signoff's own store, or a site people write in."""

    @property
    def name(self) -> str:
        """The value of `Page.source` for this source's pages."""
        ...

    def edit_refusal(self, page: Page) -> str | None:
        """Why Signoff may not save a new version of `page` itself, or None if it may.

        A page kept elsewhere is edited there; Signoff records what it sees."""
        ...

    def latest_version(self, session: Session, page: Page) -> PageVersion:
        """The newest version recorded for `page` (`page.current_version`)."""
        ...

    def version_body(self, session: Session, page: Page, number: int) -> str:
        """The storage-format body of `page` at version `number`."""
        ...
