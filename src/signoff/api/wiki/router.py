"""The page store's routers, mounted together at `/wiki/api/v2` by the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from signoff.api.wiki import comments, pages, properties, spaces
from signoff.api.wiki.shapes import PREFIX


def wiki_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module in (spaces, pages, comments, properties):
        router.include_router(module.router)
    return router
