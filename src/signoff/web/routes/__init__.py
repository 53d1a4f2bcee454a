"""The UI's routers, one module per area of the product.

`create_app` includes every router `web_routers()` lists; a new area adds one line.
"""

from __future__ import annotations

from fastapi import APIRouter

from signoff.web.routes import (
    account,
    adhoc,
    analytics,
    audit,
    auth,
    changeset_review,
    changesets,
    claims,
    comments,
    confluence,
    groups,
    outbox,
    page_editor,
    pages,
    queue,
    space_settings,
    spaces,
    versions,
    webhooks,
    workflows,
)


def web_routers() -> list[APIRouter]:
    return [
        auth.router,
        spaces.router,
        space_settings.router,
        comments.router,  # before pages: its POST /{verb} would take /comments
        adhoc.router,  # before pages, for the same reason (/request-approval)
        page_editor.router,  # before pages, for the same reason (/edit)
        claims.router,  # before pages, for the same reason (/claim, /release-claim)
        pages.router,
        versions.router,
        queue.router,
        changesets.router,
        changeset_review.router,
        account.router,
        audit.router,
        analytics.router,
        workflows.router,
        webhooks.router,
        outbox.router,
        groups.router,
        confluence.router,
    ]
