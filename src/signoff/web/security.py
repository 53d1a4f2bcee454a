"""Security headers on every response, added by a small ASGI middleware.

The policy allows scripts, styles and images only from this origin and no framing.
A route may send its own Content-Security-Policy (the consent page widens
`form-action` to the client's redirect URI); the middleware never overwrites it.
FastAPI's interactive API docs load their assets from a CDN with inline script, so
those two pages keep their own behaviour.
"""

from __future__ import annotations

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
EXEMPT_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def csp_with_form_action(*origins: str) -> str:
    """The policy, with form submissions (and their redirects) allowed to `origins`."""
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *origins]))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
