"""The HTTP request and response as Authlib's core sees them, framework-free.

The route reads method, path, query, form and the Authorization header into an
`OAuthHttpRequest` before leaving async code; `SignoffRequest` presents it to Authlib
with repeated parameters kept, so Authlib can refuse them (RFC 6749 §3.1).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    JsonPayload,
    OAuth2Payload,
    OAuth2Request,
)

FormValues = dict[str, list[str]]


@dataclass(frozen=True)
class OAuthHttpRequest:
    """What Authlib needs of an HTTP request, read before entering the sync core."""

    method: str
    path: str
    query: FormValues = field(default_factory=dict)
    form: FormValues = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


@dataclass(frozen=True)
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)


@dataclass(frozen=True)
class ConsentRequest:
    """A validated authorization request, waiting for the user's Allow or Deny."""

    client_name: str
    redirect_uri: str
    scopes: tuple[str, ...]
    params: dict[str, str]  # the request's parameters, carried by the consent form


class _Headers(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: FormValues) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items() if values}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, {k: list(v) for k, v in self._values.items()})


class SignoffRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, http: OAuthHttpRequest, base_url: str) -> None:
        # Authlib refuses a non-TLS URI here; the public base URL decides, since a
        # TLS-terminating proxy makes every request look like plain http.
        super().__init__(
            method=http.method, uri=base_url + http.path, headers=_Headers(http.headers)
        )
        merged: FormValues = {key: list(values) for key, values in http.query.items()}
        for key, values in http.form.items():
            merged.setdefault(key, []).extend(values)
        self.payload = _Payload(merged)
        self._http = http

    @property
    def args(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._http.query.items() if values}

    @property
    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._http.form.items() if values}


class NoJsonPayload(JsonPayload):  # type: ignore[misc]
    @property
    def data(self) -> dict[str, Any]:
        return {}
