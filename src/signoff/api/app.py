"""The application factory: settings in, a FastAPI app with its database out.

Nothing happens at import time. `create_app(settings)` builds the engine, makes sure
the data directory and the site key exist, installs the error mapping and mounts the
routers; the lifespan runs SQLite's checkpoints in a thread of their own and
disposes the engine when the server stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError

from signoff import __version__
from signoff.actions.confluence.polling import SiteReach
from signoff.actions.confluence.refresh import PageRefresher
from signoff.actions.unit import utcnow
from signoff.api import explorer
from signoff.api.approvalmacro import routes as approval_records
from signoff.api.errors import install_error_handlers
from signoff.api.limits import RequestLimitsMiddleware
from signoff.api.metrics import install_metrics
from signoff.api.oauth import routes as oauth
from signoff.api.ratelimit import RateLimiter
from signoff.api.request_log import RequestLogMiddleware
from signoff.api.token_use import TokenUses
from signoff.api.v1.router import api_router
from signoff.api.wiki.router import wiki_router
from signoff.config import Settings, ensure_data_dir, load_settings, site_secret
from signoff.db import migrate
from signoff.db.session import READ_ONLY, Database, make_engine
from signoff.notify.background import BackgroundWorker
from signoff.web.routes import web_routers
from signoff.web.security import CrossSiteFormGuard, SecurityHeadersMiddleware
from signoff.web.templating import STATIC_DIR
from signoff.web.throttle import LoginThrottle

TITLE = "Signoff"
log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    ensure_data_dir(settings)
    secret_key = site_secret(settings)
    db = Database(
        make_engine(
            settings.effective_database_url, synchronous=settings.sqlite_synchronous
        )
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        db.start_checkpoints()  # SQLite: off the request path; `dispose` stops it
        background = (
            BackgroundWorker(settings, db, site_key=secret_key).start()
            if settings.run_worker
            else None
        )
        _app.state.outbox_worker = background
        try:
            yield
        finally:
            if background is not None:
                background.stop()
            db.dispose()

    # The explorer at /docs is the project's own (`api/explorer.py`); FastAPI's loads
    # its assets from a CDN with inline script, and ReDoc is not offered.
    app = FastAPI(
        title=TITLE,
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.secret_key = secret_key
    app.state.clock = utcnow  # tests set their own to move time
    app.state.refresh_pages = PageRefresher(
        db,
        lambda: SiteReach(
            app.state.secret_key, app.state.settings.confluence_allow_list
        ),
        clock=lambda: app.state.clock(),
    )
    app.state.login_throttle = LoginThrottle()
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.token_uses = TokenUses()
    # The newest migration this code knows; fixed for the life of the process.
    app.state.schema_head = migrate.head_revision(db.engine)
    install_error_handlers(app)
    app.add_middleware(CrossSiteFormGuard, base_url=settings.base_url)
    app.add_middleware(RequestLimitsMiddleware)  # inside: its refusals get the headers
    app.add_middleware(
        SecurityHeadersMiddleware, https_only=settings.base_url.startswith("https://")
    )
    install_metrics(app, settings, db)  # outside the above: their refusals count
    app.add_middleware(
        RequestLogMiddleware,
        routes=app.router.routes,
        log_requests=settings.log_format == "json",
    )
    include_routers(app)
    return app


def create_app_from_environment() -> FastAPI:
    """The uvicorn factory: settings from `SIGNOFF_*`, as `signoff serve` sets them."""
    return create_app(load_settings())


def include_routers(app: FastAPI) -> None:
    """Where every interface joins the application.

    The REST API (`api/v1/`, mounted at `/api/v1`), the page store (`/wiki/api/v2`),
    OAuth (`/oauth`) and the web UI add their routers here, one line each.
    """
    app.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        tags=["health"],
        summary="Liveness and readiness: the database answers and is migrated",
        response_model=None,
        responses={503: {"description": "database unreachable or not migrated"}},
    )
    app.add_api_route(
        "/livez",
        livez,
        methods=["GET"],
        tags=["health"],
        summary="Liveness only: the process answers; the database is not touched",
        response_model=None,
    )
    app.include_router(oauth.router)
    app.include_router(explorer.router)
    for router in web_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router())
    app.include_router(wiki_router())
    app.include_router(approval_records.router)


def app_database(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def healthz(request: Request) -> JSONResponse:
    problem = database_problem(app_database(request), request.app.state.schema_head)
    if problem is not None:
        return JSONResponse(
            {"status": "error", "database": problem, "version": __version__},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})


def livez() -> JSONResponse:
    # No database, no session, no template: what is left is the framework's own cost
    # per request, which is also what the load test measures it by.
    return JSONResponse({"status": "ok", "version": __version__})


def database_problem(db: Database, head: str | None) -> str | None:
    """What keeps the database from serving, or None when it is ready.

    The check reads the schema revision in a read-only transaction, so it never takes
    SQLite's write lock however often a load balancer asks.
    """
    try:
        current = migrate.current_revision(
            db.engine.execution_options(**{READ_ONLY: True})
        )
    except SQLAlchemyError:
        log.warning("health check: the database is unreachable", exc_info=True)
        return "unreachable"
    if current != head:
        return f"migrations not at head (at {current or 'none'}, head {head})"
    return None
