"""Security headers on every response, added by a small ASGI middleware.

The policy allows scripts, styles and images only from this origin and no framing,
on every page, the API explorer at `/docs` included. A route may send its own
Content-Security-Policy (the consent page widens `form-action` to the client's
redirect URI); the middleware never overwrites it. A site whose public URL is https
also sends Strict-Transport-Security, so a browser never again asks over plain http.

`CrossSiteFormGuard` refuses state-changing requests a browser sends from another
site to the cookie-authenticated UI, in depth to the forms' CSRF tokens.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
# A year, the span browsers' preload lists ask for; the subdomains of Signoff's own
# host name are covered too (never its parent domain's other hosts).
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def csp_with_form_action(*origins: str) -> str:
    """The policy, with form submissions (and their redirects) allowed to `origins`."""
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *origins]))


class SecurityHeadersMiddleware:
    """Adds `HEADERS` to every response, and `HSTS` when `https_only`.

    `https_only` comes from the public URL (`SIGNOFF_BASE_URL`), not from the
    request: behind a TLS-terminating proxy the request itself arrives over http.
    """

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app = app
        self.headers: tuple[tuple[bytes, bytes], ...] = (
            (*HEADERS, HSTS) if https_only else HEADERS
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Cookie-free endpoints: bearer tokens and client credentials, never a browser's
# cookie, authenticate them, so a cross-site caller gains nothing there.
NOT_COOKIE_AUTHENTICATED = (
    "/api/",
    "/wiki/api/",
    "/rest/approvalmacro/",
    "/oauth/token",
    "/oauth/revoke",
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_REFUSAL = "Forms of this site can only be sent from this site."


def own_origins(scope: Scope, base_url: str) -> set[str]:
    """The origins a form of this site is sent from: the configured public URL's,
    and the one the request was addressed to (a proxy may rewrite neither)."""
    public = urlsplit(base_url)
    origins = {f"{public.scheme}://{public.netloc}".lower()}
    for name, value in scope.get("headers", []):
        if name == b"host":
            origins.add(f"{scope.get('scheme', 'http')}://{value.decode('latin-1')}")
    return {origin.lower() for origin in origins}


def cross_site(scope: Scope, base_url: str) -> bool:
    """Whether the browser says the request comes from another site.

    Per OWASP's CSRF guidance the standard headers are checked in depth to the
    token: `Sec-Fetch-Site: cross-site`, or an `Origin` that is not this site's
    (`null` included). A request without either header (an older browser, a script)
    still needs the form's CSRF token.
    """
    headers = {name: value.decode("latin-1") for name, value in scope["headers"]}
    if headers.get(b"sec-fetch-site", "").lower() == "cross-site":
        return True
    origin = headers.get(b"origin")
    return origin is not None and origin.lower() not in own_origins(scope, base_url)


def carries_cookies(scope: Scope) -> bool:
    return any(name == b"cookie" for name, _ in scope["headers"])


class CrossSiteFormGuard:
    """Refuses, with 403, a state-changing request a browser sent from another site
    with this site's cookies to an endpoint those cookies authenticate.

    Without cookies (SameSite=Lax keeps the session's off a cross-site post) the
    request acts for no one, and goes on to be sent to sign in like any visitor."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not scope["path"].startswith(NOT_COOKIE_AUTHENTICATED)
            and carries_cookies(scope)
            and cross_site(scope, self.base_url)
        ):
            response = PlainTextResponse(CROSS_SITE_REFUSAL, status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
