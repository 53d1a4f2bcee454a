"""Authlib's framework-neutral OAuth 2.0 core, adapted to Signoff's sync SQLAlchemy.

The route reads the request body (capped) in async code, then calls one of the
`*_response` functions here in a threadpool; each opens one transaction, builds a
server bound to that session and clock, lets Authlib validate, and returns a neutral
`OAuthResponse`. Authlib's weak defaults are replaced (see `grants`): PKCE is
S256-only and required for every client, redirect URIs match exactly, and the code
and refresh grants hand their critical sections to `actions.oauth` (see
`save_token`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authlib.common.security import (  # type: ignore[import-untyped]
    is_secure_transport,
)
from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    AuthorizationServer,
    InsecureTransportError,
    InvalidClientError,
    InvalidGrantError,
    JsonRequest,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.oauth import (
    ACCESS_TOKEN_TTL,
    S256,
    InvalidGrant,
    do_exchange_code,
    do_refresh,
)
from signoff.api.oauth.grants import (
    CLIENT_AUTH_METHODS,
    GRANT_TYPES,
    ClientView,
    CodeGrant,
    Revocation,
    RotatingRefreshGrant,
    S256CodeChallenge,
    active_user,
)
from signoff.api.oauth.http import (
    ConsentRequest,
    NoJsonPayload,
    OAuthHttpRequest,
    OAuthResponse,
    SignoffRequest,
)
from signoff.auth.scopes import Scope
from signoff.auth.tokens import (
    OAUTH_ACCESS_TOKEN_PREFIX,
    OAUTH_REFRESH_TOKEN_PREFIX,
    mint_secret,
)
from signoff.db.models import OAuthClient
from signoff.db.session import Database
from signoff.domain.states import Origin

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path)
REVOKE_PATH = "/oauth/revoke"


def _mint_access(**_: Any) -> str:
    return mint_secret(OAUTH_ACCESS_TOKEN_PREFIX)


def _mint_refresh(**_: Any) -> str:
    return mint_secret(OAUTH_REFRESH_TOKEN_PREFIX)


def _access_seconds(client: Any, grant_type: str) -> int:
    return int(ACCESS_TOKEN_TTL.total_seconds())


class SignoffAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One per request: bound to that request's session, clock and public URL."""

    def __init__(self, session: Session, *, now: datetime, base_url: str) -> None:
        super().__init__(scopes_supported=[scope.value for scope in Scope])
        self.session, self.now, self.base_url = session, now, base_url
        self.register_token_generator(
            "default",
            BearerTokenGenerator(_mint_access, _mint_refresh, _access_seconds),
        )
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_endpoint(Revocation)

    def acting(self, client: OAuthClient) -> Acting[None]:
        """The token and revocation endpoints act for `client`, through the API, at
        this request's time; each action names the grant's user it acts for."""
        return Acting(None, Origin.api, client.client_id, self.now)

    def query_client(self, client_id: str) -> ClientView | None:
        row = self.session.scalar(
            select(OAuthClient).where(
                OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)
            )
        )
        return ClientView(row) if row is not None else None

    def get_authorization_grant(self, request: Any) -> Any:
        """Authlib's, but an unsupported `response_type` never reaches its error.

        Authlib 1.9 passes the raw value as the error's description, which must be
        plain ASCII without quotes or backslashes, so `response_type="` was a 500.
        As in Authlib, the error redirects only to a redirect URI that is registered
        for a known client.
        """
        if request.payload.response_type == "code":
            return super().get_authorization_grant(request)
        client_id, uri = request.payload.client_id, request.payload.redirect_uri
        client = self.query_client(client_id) if client_id else None
        known = client is not None and bool(uri) and client.check_redirect_uri(uri)
        validated = uri if known else None
        raise UnsupportedResponseTypeError(
            "unsupported",
            description="Only response_type=code is supported.",
            redirect_uri=validated,
        )

    def authenticate_client(
        self, request: Any, methods: Any, endpoint: str = "token"
    ) -> Any:
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            error.status_code = 401  # also for an unknown client_id in the form body
            raise

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store the tokens Authlib generated, through the grant's critical section.

        Authlib calls this before `delete_authorization_code` or
        `revoke_old_credential`, so the consuming UPDATE happens here, in the same
        transaction as the insert: a code or refresh token that lost a race, or came
        back, is refused and its lineage revoked (the refusal is an OAuth error
        response, and the route commits the revocation with it).
        """
        client, session = request.client.row, self.session
        by = self.acting(client)
        try:
            if request.payload.grant_type == "authorization_code":
                do_exchange_code(
                    session,
                    request.authorization_code.row,
                    client=client,
                    access_token=token["access_token"],
                    refresh_token=token["refresh_token"],
                    by=by,
                )
            else:
                do_refresh(
                    session,
                    request.refresh_token.row,
                    client=client,
                    access_token=token["access_token"],
                    refresh_token=token["refresh_token"],
                    scope=token["scope"],
                    by=by,
                )
        except InvalidGrant as refusal:
            raise InvalidGrantError(description=refusal.message) from None

    def create_oauth2_request(self, request: Any) -> SignoffRequest:
        if isinstance(request, SignoffRequest):
            return request
        return SignoffRequest(request, self.base_url)

    def create_json_request(self, request: OAuthHttpRequest) -> Any:
        json_request = JsonRequest(request.method, self.base_url + request.path)
        json_request.payload = NoJsonPayload()  # no endpoint here reads JSON
        return json_request

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        return OAuthResponse(status, body, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: the actions write the audit trail themselves."""


def insecure_response(base_url: str) -> OAuthResponse | None:
    """OAuth needs TLS (RFC 6749 §3.1): refuse unless the base URL is https or
    loopback."""
    if is_secure_transport(base_url + "/"):
        return None
    return OAuthResponse(*InsecureTransportError()())


def token_response(
    db: Database, http: OAuthHttpRequest, *, now: datetime, base_url: str
) -> OAuthResponse:
    """POST /oauth/token; commits whatever the grant wrote, refusals included."""
    refused = insecure_response(base_url)
    if refused is not None:
        return refused
    with db.write() as session:
        server = SignoffAuthorizationServer(session, now=now, base_url=base_url)
        response: OAuthResponse = server.create_token_response(http)
        return response


def revocation_response(
    db: Database, http: OAuthHttpRequest, *, now: datetime, base_url: str
) -> OAuthResponse:
    refused = insecure_response(base_url)
    if refused is not None:
        return refused
    with db.write() as session:
        server = SignoffAuthorizationServer(session, now=now, base_url=base_url)
        response: OAuthResponse = server.create_endpoint_response(
            Revocation.ENDPOINT_NAME, http
        )
        return response


def consent_request(
    db: Database, http: OAuthHttpRequest, *, now: datetime, base_url: str
) -> ConsentRequest | OAuthResponse:
    """Validate an authorization request before anyone is asked to consent.

    Errors come back as an `OAuthResponse`: a redirect only when Authlib validated
    the redirect URI against the client's registered ones, else a plain 400.
    """
    refused = insecure_response(base_url)
    if refused is not None:
        return refused
    with db.read() as session:
        server = SignoffAuthorizationServer(session, now=now, base_url=base_url)
        try:
            grant = server.get_consent_grant(request=http, end_user=None)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)  # type: ignore[no-any-return]
        data = grant.request.payload.data
        return ConsentRequest(
            client_name=grant.client.row.name,
            redirect_uri=grant.redirect_uri,
            scopes=tuple(grant.request.scope.split()),
            params={key: data[key] for key in AUTHORIZE_PARAMS if key in data},
        )


AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def authorization_response(
    db: Database,
    http: OAuthHttpRequest,
    *,
    user_id: int,
    allow: bool,
    now: datetime,
    base_url: str,
) -> OAuthResponse:
    """The user answered the consent screen: a code on Allow, access_denied on Deny.

    The request is validated again from the form, so nothing the browser carried
    between the two steps is trusted.
    """
    refused = insecure_response(base_url)
    if refused is not None:
        return refused
    with db.write() as session:
        server = SignoffAuthorizationServer(session, now=now, base_url=base_url)
        user = active_user(session, user_id)
        try:
            grant = server.get_consent_grant(request=http, end_user=user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)  # type: ignore[no-any-return]
        response: OAuthResponse = server.create_authorization_response(
            request=grant.request, grant_user=user if allow else None, grant=grant
        )
        return response


def server_metadata(base_url: str) -> dict[str, Any]:
    """The RFC 8414 authorization server metadata document."""
    methods = list(CLIENT_AUTH_METHODS)
    return {
        "issuer": base_url,
        "authorization_endpoint": base_url + AUTHORIZE_PATH,
        "token_endpoint": base_url + TOKEN_PATH,
        "revocation_endpoint": base_url + REVOKE_PATH,
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": list(methods),
        "code_challenge_methods_supported": [S256],
    }
