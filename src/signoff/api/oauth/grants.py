"""Authlib's grant, PKCE and revocation classes, made strict and bound to actions.

The grants reach the request's session and clock through `self.server`, which
`server.SignoffAuthorizationServer` sets per request. Their writes all go
through `actions.oauth`; the comments say where Authlib's own order is replaced.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    AuthorizationCodeGrant,
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    RefreshTokenGrant,
    TokenMixin,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import (  # type: ignore[import-untyped]
    CodeChallenge,
    create_s256_code_challenge,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.oauth import (
    S256,
    S256_CHALLENGE,
    canonical_scope,
    do_issue_code,
    do_revoke_reused_family,
    do_revoke_token,
)
from signoff.auth.redirect_uris import redirect_uri_matches
from signoff.auth.tokens import OAUTH_CODE_PREFIX, hash_secret, mint_secret
from signoff.db.models import OAuthClient, OAuthCode, OAuthToken, User

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = ["authorization_code", "refresh_token"]


class ClientView(ClientMixin):  # type: ignore[misc]
    """An `OAuthClient` as Authlib asks about it: confidential, code + refresh only."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # every authorization request must name its redirect URI

    def get_allowed_scope(self, scope: str | None) -> str | None:
        requested = (scope or "").split()
        if not requested or not set(requested) <= set(self.row.scopes):
            return None  # Authlib answers invalid_scope
        return canonical_scope(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri_matches(self.row.redirect_uris, redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.row.client_secret_hash
        return stored is not None and hmac.compare_digest(
            hash_secret(client_secret), stored
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class CodeView(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class TokenView(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthToken) -> None:
        self.row = row

    def check_client(self, client: ClientView) -> bool:
        return self.row.client_id == client.row.id

    def get_scope(self) -> str:
        return self.row.scope


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE as RFC 9700 wants it: S256 only, and required of every client.

    Authlib's own defaults `code_challenge_method` to `plain`, and requires a
    verifier only from public clients.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = S256
    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]  # noqa: RUF012 (Authlib's attribute)
    CODE_CHALLENGE_METHODS = {  # noqa: RUF012
        S256: lambda verifier, challenge: hmac.compare_digest(
            create_s256_code_challenge(verifier), challenge
        )
    }

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        if not challenge:
            raise InvalidRequestError("PKCE is required: send a S256 'code_challenge'.")
        if data.get("code_challenge_method") != S256:
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)
        if not S256_CHALLENGE.fullmatch(challenge):
            raise InvalidRequestError("Invalid 'code_challenge' for S256.")

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: ClientView) -> str:
        """Exact match, required, and an error that never echoes the URI.

        Authlib's own puts the URI in `error_description`, whose character set is
        restricted: a backslash or a non-ASCII letter there raised ValueError (500).
        """
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri'.")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The redirect URI is not registered.")
        return str(redirect_uri)

    def generate_authorization_code(self) -> str:
        return mint_secret(OAUTH_CODE_PREFIX)

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        do_issue_code(
            self.server.session,
            request.client.row,
            request.user,
            code=code,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            by=self.server.acting(request.client.row),
        )

    def query_authorization_code(self, code: str, client: ClientView) -> Any:
        row = self.server.session.scalar(
            select(OAuthCode).where(
                OAuthCode.code_hash == hash_secret(code),
                OAuthCode.client_id == client.row.id,
            )
        )
        return CodeView(row) if row is not None else None

    def delete_authorization_code(self, authorization_code: CodeView) -> None:
        """Nothing to do: `save_token` consumed the code before storing tokens.

        Authlib calls this after `save_token`, which alone would let two concurrent
        redemptions both issue tokens; the guarded UPDATE in `do_exchange_code`
        decides instead.
        """

    def authenticate_user(self, authorization_code: CodeView) -> User | None:
        return active_user(self.server.session, authorization_code.row.user_id)


class RotatingRefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> TokenView | None:
        server = self.server
        row = server.session.scalar(
            select(OAuthToken).where(
                OAuthToken.refresh_token_hash == hash_secret(refresh_token)
            )
        )
        client = self.request.client
        if row is None or row.client_id != client.row.id:
            return None
        if row.refresh_used_at is not None:
            # Reuse is settled here, before Authlib's scope checks could answer
            # first and let a replay with a different scope go unnoticed.
            do_revoke_reused_family(
                server.session, row, client=client.row, by=server.acting(client.row)
            )
            return None
        if row.revoked_at is not None or (
            row.refresh_expires_at is not None and row.refresh_expires_at <= server.now
        ):
            return None
        return TokenView(row)

    def authenticate_user(self, refresh_token: TokenView) -> User | None:
        return active_user(self.server.session, refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: TokenView) -> None:
        """Nothing to do: `do_refresh` marked it used, atomically, before issuing."""


@dataclass(frozen=True)
class PresentedToken:
    secret: str
    hint: str | None


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_token(self, request: Any, client: ClientView) -> PresentedToken:
        # The lookup, the ownership check and RFC 7009's silence about unknown or
        # foreign tokens all live in `do_revoke_token`; an unknown hint is ignored.
        if not request.form.get("token"):
            raise InvalidRequestError("Missing 'token'.")
        return PresentedToken(
            request.form["token"], request.form.get("token_type_hint")
        )

    def revoke_token(self, token: PresentedToken, request: Any) -> None:
        do_revoke_token(
            self.server.session,
            token.secret,
            token_type_hint=token.hint,
            client=request.client.row,
            by=self.server.acting(request.client.row),
        )


def active_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None
