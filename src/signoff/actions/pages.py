"""Pages of the built-in store: creation and edits, each edit a new immutable version.

Titles and bodies are cleaned here (bodies sanitised); the version itself comes into
being through `actions.versions`, which also supersedes or stales the page's reviews
as the edit requires. A page kept in another source is not edited here: its source
says why (`connectors`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.locks import lock_page
from signoff.actions.validate import clean_text
from signoff.actions.versions import NewVersion, record_first_version, record_version
from signoff.connectors import source_of
from signoff.connectors.builtin import BUILTIN
from signoff.db.models import Page, PageVersion, Space, User
from signoff.domain.errors import BadInput, InvalidState, NotFound, VersionConflict
from signoff.domain.states import Role
from signoff.storage_format.sanitise import sanitise_body

MAX_BODY = 2_000_000
MAX_TITLE = 255


def _clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise BadInput("body must be text.", field="body")
    if len(body) > MAX_BODY:
        raise BadInput(f"body is longer than {MAX_BODY} characters.", field="body")
    return sanitise_body(body)


def do_create_page(
    session: Session,
    space: Space,
    *,
    title: str,
    body: str,
    parent_id: int | None = None,
    message: str = "",
    by: Acting[User],
) -> Page:
    require_role(session, by.actor, space.id, Role.editor, action="create pages")
    title = clean_text(title, field="title", max_length=MAX_TITLE)
    body = _clean_body(body)
    if parent_id is not None:
        parent = session.get(Page, parent_id)
        if parent is None or parent.space_id != space.id:
            raise BadInput(
                f"parentId {parent_id} is not a page of this space.", field="parentId"
            )
    duplicate = session.scalar(
        select(Page.id).where(Page.space_id == space.id, Page.title == title)
    )
    if duplicate is not None:
        raise BadInput(
            f"A page titled {title!r} already exists in this space.", field="title"
        )
    page = Page(
        space_id=space.id,
        source=BUILTIN,
        parent_id=parent_id,
        title=title,
        current_version=1,
        status="current",
        created_at=by.now,
        created_by=by.actor.id,
        updated_at=by.now,
    )
    session.add(page)
    session.flush()
    record_first_version(
        session, page, NewVersion(title, body, by.actor.id, message), now=by.now
    )
    record_event(
        session,
        "page.created",
        f"{by.actor.display_name} created page '{title}'.",
        by=by,
        space_id=space.id,
        page_id=page.id,
        page_version=1,
    )
    return page


def do_edit_page(
    session: Session,
    page: Page,
    *,
    title: str | None = None,
    body: str | None = None,
    expected_version: int | None = None,
    message: str = "",
    by: Acting[User],
) -> PageVersion:
    """Save a new version; `expected_version` is the version the editor started from."""
    require_role(
        session,
        by.actor,
        page.space_id,
        Role.editor,
        action="edit pages",
        page_id=page.id,
    )
    source = source_of(page)
    refusal = source.edit_refusal(page)
    if refusal is not None:
        raise InvalidState(refusal)
    locked = lock_page(session, page.id)
    if locked is None:
        raise NotFound(f"Page {page.id} not found.")
    if expected_version is not None and expected_version != locked.current_version:
        raise VersionConflict(
            f"Page {page.id} is at version {locked.current_version}, "
            f"not {expected_version}: reload and edit again.",
            expected=locked.current_version,
            given=expected_version,
        )
    previous = source.latest_version(session, locked)
    new_title = (
        clean_text(title, field="title", max_length=MAX_TITLE)
        if title
        else previous.title
    )
    new_body = (
        _clean_body(body)
        if body is not None
        else source.version_body(session, locked, previous.number)
    )
    new = record_version(
        session,
        locked,
        NewVersion(new_title, new_body, by.actor.id, message),
        previous=previous,
        by=by,
    )
    return new
