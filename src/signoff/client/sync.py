"""Docs as code: plan which files become new pages or new versions, then apply it.

Planning only reads (and so does choosing which unchanged pages still need a
review). A file with no page yet is created; a page whose content differs from its
file gets one new version; anything else is left alone, so a sync
that changes nothing writes nothing. "Differs" is decided first by the digests in
the mapping file (exact, see `mapping`), and when those cannot tell (no entry yet,
or someone edited the page on the server) by comparing the file with the stored
page in a form that survives the store's sanitising (`rendering.same_content`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from signoff.client.connection import Json
from signoff.client.documents import Document
from signoff.client.mapping import Entry, SpaceMapping
from signoff.client.rendering import digest, same_content
from signoff.client.store import PageStore, StoredPage


class Action(StrEnum):
    create = "create"
    update = "update"
    unchanged = "unchanged"


@dataclass(frozen=True)
class Step:
    document: Document
    action: Action
    stored: StoredPage | None = None  # the page as it is now, if there is one
    ungathered: bool = False  # written by an earlier sync, not yet in a change set

    @property
    def page_id(self) -> str | None:
        return self.stored.page_id if self.stored else None

    @property
    def gathered(self) -> bool:
        """Whether the page goes into this sync's change set."""
        return self.action is not Action.unchanged or self.ungathered


@dataclass(frozen=True)
class Synced:
    document: Document
    action: Action
    page_id: str
    version: int
    gathered: bool  # goes into the change set


Progress = Callable[[Document], None]


def _ignore(_: Document) -> None:
    return None


def plan_sync(
    store: PageStore,
    space_id: str,
    documents: list[Document],
    section: SpaceMapping,
    on_document: Progress = _ignore,
) -> list[Step]:
    steps = []
    for document in documents:
        entry = section.pages.get(document.key)
        step = _plan_one(store, space_id, document, entry)
        if entry is not None and entry.ungathered and entry.page_id == step.page_id:
            step = replace(step, ungathered=True)
        steps.append(step)
        on_document(document)
    return steps


def _plan_one(
    store: PageStore, space_id: str, document: Document, entry: Entry | None
) -> Step:
    stored = store.page(entry.page_id) if entry else None
    if stored is None:  # no entry, or its page is gone: adopt a page of this title
        stored = store.page_titled(space_id, document.title)
    if stored is None:
        return Step(document, Action.create)
    if entry is not None and _digests_match(entry, document, stored):
        return Step(document, Action.unchanged, stored)
    if same_content(document.title, document.body, stored.title, stored.body):
        return Step(document, Action.unchanged, stored)
    return Step(document, Action.update, stored)


def _digests_match(entry: Entry, document: Document, stored: StoredPage) -> bool:
    return (
        entry.page_id == stored.page_id
        and entry.source_digest == document.digest
        and entry.stored_digest == digest(stored.title, stored.body)
    )


def apply_sync(
    store: PageStore,
    space_id: str,
    steps: list[Step],
    section: SpaceMapping,
    *,
    message: str,
    persist: Callable[[], None],
    on_document: Progress = _ignore,
) -> list[Synced]:
    """Write what the plan says; the mapping is saved after every page written,
    so a sync cut short never leaves a page the next run would create again."""
    synced = []
    for step in steps:
        document = step.document
        stored = _write(store, space_id, step, message)
        entry = Entry(
            page_id=stored.page_id,
            path=document.path,
            source_digest=document.digest,
            stored_digest=digest(stored.title, stored.body),
            version=stored.version,
            ungathered=step.gathered,
        )
        if section.pages.get(document.key) != entry:
            section.pages[document.key] = entry
            persist()
        synced.append(
            Synced(document, step.action, stored.page_id, stored.version, step.gathered)
        )
        on_document(document)
    return synced


def mark_gathered(
    section: SpaceMapping, synced: list[Synced], persist: Callable[[], None]
) -> None:
    """Once the change set holds them, the pages need not be gathered again."""
    for page in synced:
        entry = section.pages.get(page.document.key)
        if entry is not None and entry.ungathered:
            entry.ungathered = False
    persist()


PENDING, APPROVED = 0, 1  # `status` of the approval property, as product 004 numbers it


def gather_unreviewed(store: PageStore, synced: list[Synced]) -> list[Synced]:
    """`synced`, with every unchanged page that no review covers also gathered.

    `sync --submit` must leave no page of the folder unsubmitted, changed or not: a
    page is left alone only while a review is pending on it or an approval covers
    its current content (the approval property says which, with `read:page` only).
    """
    return [
        page
        if page.gathered or _reviewed(store.approval(page.page_id))
        else replace(page, gathered=True)
        for page in synced
    ]


def _reviewed(approval: Json | None) -> bool:
    if approval is None:
        return False
    status = approval.get("status")
    return status == PENDING or (status == APPROVED and not approval.get("isStale"))


def _write(store: PageStore, space_id: str, step: Step, message: str) -> StoredPage:
    document = step.document
    if step.action is Action.create:
        return store.create_page(space_id, document.title, document.body)
    assert step.stored is not None
    if step.action is Action.update:
        return store.update_page(
            step.stored.page_id,
            number=step.stored.version + 1,
            title=document.title,
            body=document.body,
            message=message.replace("{path}", document.path),
        )
    return step.stored
