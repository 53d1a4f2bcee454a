"""The OAuth 2.0 authorization server's HTTP face: metadata, authorize, token, revoke.

Each route reads its input (forms capped by `web.forms`), runs the synchronous core
in `api.oauth.server` in a threadpool, and renders the neutral response: JSON for
the back channel, a redirect or an HTML page for the browser. A redirect only ever
goes to a redirect URI the core matched against the client's registration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from signoff.api.oauth.http import ConsentRequest, OAuthHttpRequest, OAuthResponse
from signoff.api.oauth.server import (
    AUTHORIZE_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    authorization_response,
    consent_request,
    revocation_response,
    server_metadata,
    token_response,
)
from signoff.web import context
from signoff.web.forms import FormRejected, FormValues, first, read_form
from signoff.web.routes.auth import LOGIN_PATH
from signoff.web.scopes import describe
from signoff.web.security import csp_with_form_action
from signoff.web.sessions import (
    CSRF_FIELD,
    CurrentSession,
    current_session,
    session_csrf_ok,
)
from signoff.web.templating import error_page, render

router = APIRouter(tags=["oauth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
DECISIONS = {"allow": True, "deny": False}


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="RFC 8414 authorization server metadata",
)
def metadata(request: Request) -> JSONResponse:
    return JSONResponse(server_metadata(context.settings(request).base_url))


@router.get(AUTHORIZE_PATH, include_in_schema=False)
async def authorize(request: Request) -> Response:
    http = OAuthHttpRequest("GET", AUTHORIZE_PATH, query=multi(request.query_params))
    checked = await run_in_threadpool(
        consent_request,
        context.database(request),
        http,
        now=context.now(request),
        base_url=context.settings(request).base_url,
    )
    if isinstance(checked, OAuthResponse):
        return browser_response(request, checked)
    current = await current_session(request)
    if current is None:
        here = AUTHORIZE_PATH + "?" + request.scope["query_string"].decode("latin-1")
        return RedirectResponse(
            f"{LOGIN_PATH}?{urlencode({'next': here})}", status_code=303
        )
    return consent_page(request, checked, current)


def consent_page(
    request: Request, consent: ConsentRequest, current: CurrentSession
) -> Response:
    parts = urlsplit(consent.redirect_uri)
    # Chromium applies `form-action` to the redirect that follows the form post.
    csp = csp_with_form_action(f"{parts.scheme}://{parts.netloc}")
    return render(
        request,
        "consent.html",
        {
            "client_name": consent.client_name,
            "display_name": current.display_name,
            "scopes": [
                {"name": scope, "description": describe(scope)}
                for scope in consent.scopes
            ],
            "redirect_uri": consent.redirect_uri,
            "params": consent.params,
            "csrf_token": current.csrf_token,
        },
        headers={"Content-Security-Policy": csp, **NO_STORE},
    )


@router.post(AUTHORIZE_PATH, include_in_schema=False)
async def authorize_decision(request: Request) -> Response:
    try:
        form = await read_form(request)
    except FormRejected as rejected:
        return error_page(request, rejected.message, status=rejected.status)
    current = await current_session(request)
    if current is None or not session_csrf_ok(current, first(form, CSRF_FIELD)):
        return error_page(
            request,
            "This consent form has expired. Go back to the application and start "
            "again.",
            status=403,
        )
    decision = DECISIONS.get(first(form, "decision"))
    if decision is None:
        return error_page(request, "Choose Allow or Deny.", status=400)
    params = {k: v for k, v in form.items() if k not in (CSRF_FIELD, "decision")}
    response = await run_in_threadpool(
        authorization_response,
        context.database(request),
        OAuthHttpRequest("POST", AUTHORIZE_PATH, form=params),
        user_id=current.user_id,
        allow=decision,
        now=context.now(request),
        base_url=context.settings(request).base_url,
    )
    return browser_response(request, response, redirect_status=303)


def browser_response(
    request: Request, response: OAuthResponse, *, redirect_status: int = 302
) -> Response:
    """A redirect to the (validated) client URI, or an error page that stays here.

    RFC 9700 §4.11: after a POST, 303 makes the browser drop the form body.
    """
    if response.location is not None:
        return RedirectResponse(response.location, status_code=redirect_status)
    body: dict[str, Any] = response.body if isinstance(response.body, dict) else {}
    message = body.get("error_description") or body.get("error") or "Bad request."
    return error_page(
        request,
        f"The application's request cannot be accepted: {message} "
        f"({body.get('error', 'invalid_request')})",
        status=400 if response.status < 500 else response.status,
    )


@router.post(TOKEN_PATH, summary="Token endpoint: authorization_code, refresh_token")
async def token(request: Request) -> Response:
    return await back_channel(request, TOKEN_PATH, token_response)


@router.post(REVOKE_PATH, summary="Token revocation (RFC 7009)")
async def revoke(request: Request) -> Response:
    return await back_channel(request, REVOKE_PATH, revocation_response)


async def back_channel(request: Request, path: str, core: Any) -> Response:
    """Client-authenticated form POSTs answered in JSON, never cached."""
    try:
        form = await read_form(request)
    except FormRejected as rejected:
        return JSONResponse(
            {"error": "invalid_request", "error_description": rejected.message},
            status_code=rejected.status,
            headers=NO_STORE,
        )
    headers = {"authorization": request.headers.get("authorization", "")}
    response: OAuthResponse = await run_in_threadpool(
        core,
        context.database(request),
        OAuthHttpRequest("POST", path, form=form, headers=headers),
        now=context.now(request),
        base_url=context.settings(request).base_url,
    )
    return JSONResponse(
        response.body if response.body != "" else {},
        status_code=response.status,
        headers={**dict(response.headers), **NO_STORE},
    )


def multi(params: QueryParams) -> FormValues:
    values: FormValues = {}
    for key, value in params.multi_items():
        values.setdefault(key, []).append(value)
    return values
