"""Pages that need a signed-in person: the session, or a redirect to the login form.

Shared by the queue and change-set pages; `next` brings the person back afterwards.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.web.forms import (
    MAX_FIELDS,
    MAX_FORM_BYTES,
    FormRejected,
    FormValues,
    first,
    read_form,
)
from signoff.web.sessions import CurrentSession, current_session, session_csrf_ok
from signoff.web.templating import error_page

FORM_EXPIRED = "The form expired; reload it and try again."


def login_redirect(request: Request) -> RedirectResponse:
    """To the login form, coming back here afterwards. A posted form cannot be
    replayed by a redirect, so after a refused post the person lands at home."""
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (
            f"?{request.url.query}" if request.url.query else ""
        )
    else:
        target = "/"
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


async def signed_in(request: Request) -> CurrentSession | Response:
    """The live session, or the redirect to sign in when there is none."""
    current = await current_session(request)
    return current if current is not None else login_redirect(request)


async def signed_in_form(
    request: Request, *, limit: int = MAX_FORM_BYTES, max_fields: int = MAX_FIELDS
) -> tuple[CurrentSession, FormValues] | Response:
    """A posted form from a signed-in person with the session's CSRF token.

    No session redirects to sign in; a missing or wrong token is refused with 403.
    """
    try:
        form = await read_form(request, limit=limit, max_fields=max_fields)
    except FormRejected as rejected:
        return error_page(request, rejected.message, status=rejected.status)
    current = await current_session(request)
    if current is None:
        return login_redirect(request)
    if not session_csrf_ok(current, first(form, "csrf_token")):
        return error_page(request, FORM_EXPIRED, status=403)
    return current, form
