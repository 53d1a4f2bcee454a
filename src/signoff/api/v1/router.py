"""All `/api/v1` routers, mounted together by the application factory."""

from __future__ import annotations

from fastapi import APIRouter

from signoff.api.v1 import (
    adhoc,
    analytics,
    audit,
    changeset_decisions,
    changesets,
    claims,
    delegations,
    groups,
    pages,
    queue,
    spaces,
    webhooks,
    workflows,
)

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    modules = (
        changesets,
        changeset_decisions,
        pages,
        claims,
        delegations,
        adhoc,
        spaces,
        groups,
        workflows,
        queue,
        audit,
        analytics,
        webhooks,
    )
    for module in modules:
        router.include_router(module.router)
    return router
