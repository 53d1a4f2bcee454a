"""One call to the page store: credentials, rate limit and scope checked, then one act.

Every `/wiki/api/v2` route depends on `wiki_call(scope)`. It is `/api/v1`'s call
without the REST API switch, which governs `/api/v1` only: no or bad credentials
(401), too many requests (429), the token lacking the route's scope (403, audited).
Besides `Authorization: Bearer <token>`, a personal access token is accepted the way
Confluence Cloud scripts send an API token, as `Basic base64(user:token)`, where the
user is the token owner's username or email. Reads and writes are `ApiCall`'s, so
idempotency keys work as in `/api/v1`; lists also get Confluence's `Link` header.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Request, Response

from signoff.api.principal import Principal, bearer_token, resolve_principal
from signoff.api.problems import not_authenticated
from signoff.api.v1.calls import ApiCall, Reply, Work, call_dependency
from signoff.auth.scopes import Scope
from signoff.auth.tokens import PERSONAL_TOKEN_PREFIX
from signoff.db.models import User
from signoff.db.session import Database


class WikiCall(ApiCall):
    """`ApiCall` with Confluence's response headers: `Link` on lists, 201 on create."""

    def read(self, work: Work) -> Response:
        seen: list[dict[str, Any]] = []
        response = super().read(_remember(work, seen))
        _link_header(response, seen)
        return response

    def create(self, work: Work, *, location: str) -> Response:
        """A write answered `201 Created`, `location` naming the new object by `{id}`.

        A replayed idempotent create answers the same way, from the stored body.
        """
        response = super().write(work)
        response.status_code = 201
        created = json.loads(bytes(response.body))
        response.headers["Location"] = location.format(id=created["id"])
        return response


def _remember(work: Work, seen: list[dict[str, Any]]) -> Work:
    def remembered(*args: Any) -> Reply:
        body = work(*args)
        if isinstance(body, dict):  # the page store answers in Confluence's dicts
            seen.append(body)
        return body

    return remembered


def _link_header(response: Response, seen: list[dict[str, Any]]) -> None:
    links = seen[0].get("_links", {}) if seen else {}
    parts = []
    if "next" in links:
        parts.append(f'<{links["next"]}>; rel="next"')
    if "base" in links and "results" in seen[0]:
        parts.append(f'<{links["base"]}>; rel="base"')
    if parts:
        response.headers["Link"] = ", ".join(parts)


def wiki_call(scope: Scope) -> Callable[[Request], Awaitable[WikiCall]]:
    """The dependency a wiki route declares; it also records the route's scope."""
    return call_dependency(scope, WikiCall, _authenticate)


def _authenticate(db: Database, authorization: str | None, now: datetime) -> Principal:
    token, claimed = _credentials(authorization)
    with db.read() as session:
        principal = resolve_principal(session, token, now)
        if claimed is not None:
            user = session.get(User, principal.user_id)
            assert user is not None  # resolve_principal checked it
            names = {user.username.casefold(), (user.email or "").casefold()}
            if claimed.casefold() not in names - {""}:
                raise not_authenticated("The token does not belong to that user.")
        return principal


def _credentials(authorization: str | None) -> tuple[str, str | None]:
    """The token, and the user a Basic header names (None for a bearer token)."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return bearer_token(authorization), None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    user, _, token = decoded.partition(":")
    if not user or not token.startswith(PERSONAL_TOKEN_PREFIX) or len(token) > 512:
        raise not_authenticated(
            "Basic credentials must be 'user:personal-access-token'."
        )
    return token, user
