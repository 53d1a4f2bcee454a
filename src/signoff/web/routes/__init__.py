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
    changesets,
    comments,
    confluence,
    groups,
    outbox,
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
        pages.router,
        versions.router,
        queue.router,
        changesets.router,
        account.router,
        audit.router,
        analytics.router,
        workflows.router,
        webhooks.router,
        outbox.router,
        groups.router,
        confluence.router,
    ]
