"""Calls to one Confluence site: authenticated, paced, guarded, retried with care.

Every request goes through the site's gate (`gate`), then through the outbound URL
policy (`outbound.url_policy`: no private or loopback address unless allowed) and a
transport pinned to the addresses it checked. Reads (GET) are retried on 408, 429,
5xx and lost connections, after `Retry-After` or a jittered backoff; a write is
retried only after a 429, which refuses a request before doing it. Any other failure
is a `ConfluenceError` with the site's own words. Credentials never appear in an
error, a log line or `repr`.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from signoff.connectors.confluence.errors import ConfluenceError, site_words
from signoff.connectors.confluence.gate import (
    MAX_RETRIES,
    SiteGate,
    retry_after_seconds,
)
from signoff.connectors.confluence.site_url import SiteUrl, next_cursor
from signoff.domain.errors import BadInput
from signoff.outbound.allowlist import AllowList
from signoff.outbound.pinned import NETWORK_FAILURES, PinnedTransport, pinned_client
from signoff.outbound.url_policy import Resolver, check_target, system_resolver

PAGE_SIZE = 250
MIB = 1024 * 1024
Json = Any
Params = Mapping[str, str | int | Sequence[str]]


@dataclass(frozen=True)
class Credentials:
    """How Signoff signs in to a site: an API token with its email, or a bearer."""

    kind: Literal["basic", "bearer"]
    secret: str = field(repr=False)
    email: str | None = None

    def header(self) -> str:
        if self.kind == "bearer":
            return f"Bearer {self.secret}"
        pair = f"{self.email}:{self.secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: Json


@dataclass
class Calls:
    """What a run of calls cost: for `sync`'s counts and the pass-cost figures."""

    made: int = 0
    by_path: dict[str, int] = field(default_factory=dict)

    def count(self, method: str, path: str) -> None:
        self.made += 1
        key = f"{method} {path.split('?', 1)[0]}"
        self.by_path[key] = self.by_path.get(key, 0) + 1


class ConfluenceHttp:
    """One site's REST API."""

    def __init__(
        self,
        site: SiteUrl,
        credentials: Credentials,
        *,
        gate: SiteGate,
        allow: AllowList,
        resolver: Resolver = system_resolver,
        connect_timeout: float = 5.0,
        total_timeout: float = 30.0,
        max_response_bytes: int = 32 * MIB,
        ssl_context: ssl.SSLContext | None = None,
        calls: Calls | None = None,
    ) -> None:
        self.site, self.gate, self.calls = site, gate, calls or Calls()
        self._credentials = credentials
        self._allow, self._resolver = allow, resolver
        self._connect_timeout, self._total_timeout = connect_timeout, total_timeout
        self._max_bytes = max_response_bytes
        self._ssl = ssl_context

    def __repr__(self) -> str:
        return f"ConfluenceHttp({self.site.base!r})"

    def get(self, path: str, params: Params | None = None) -> Json:
        return self._call("GET", path, params=params).body

    def get_or_none(self, path: str, params: Params | None = None) -> Json | None:
        """`get`, but None for a 404 (missing, or not visible to these credentials)."""
        try:
            return self.get(path, params)
        except ConfluenceError as error:
            if error.status == 404:
                return None
            raise

    def walk(
        self, path: str, params: Params | None = None, *, limit: int = PAGE_SIZE
    ) -> Iterator[Json]:
        """Every result of a v2 list, page after page, following its cursor.

        The same path is asked again with the same filters and the next cursor,
        whatever prefix `_links.next` carries (the gateway's is lost on it).
        """
        asked: dict[str, Any] = {**(params or {}), "limit": limit}
        while True:
            body = self.get(path, asked)
            yield from body.get("results", [])
            cursor = next_cursor((body.get("_links") or {}).get("next"))
            if cursor is None:
                return
            asked = {**asked, "cursor": cursor}

    def post(self, path: str, body: Json) -> Answer:
        return self._call("POST", path, body=body)

    def put(self, path: str, body: Json) -> Answer:
        return self._call("PUT", path, body=body)

    def delete(self, path: str) -> Answer:
        return self._call("DELETE", path)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Json | None = None,
    ) -> Answer:
        url = self.site.api(path)
        query = urlencode(_flat(params), doseq=True) if params else ""
        idempotent = method == "GET"
        attempt = 0
        while True:
            self.gate.wait_turn()
            self.calls.count(method, path)
            try:
                answer = self._once(method, url, query, path, body)
            except ConfluenceError as lost:
                if not (idempotent and lost.retryable) or attempt >= MAX_RETRIES:
                    raise
                self._pause(lost, attempt)
                attempt += 1
                continue
            if answer.status < 400:
                return answer
            refused = self._error(method, path, answer)
            may_retry = (idempotent and refused.retryable) or answer.status == 429
            if not may_retry or attempt >= MAX_RETRIES:
                raise refused
            self._pause(refused, attempt)
            attempt += 1

    def _pause(self, error: ConfluenceError, attempt: int) -> None:
        now = self.gate.now()
        wait = (
            error.retry_after
            if error.retry_after is not None
            else self.gate.backoff(attempt)
        )
        self.gate.hold_until(now + wait)

    def _ssl_context(self) -> ssl.SSLContext:
        # Loading the trust store costs tens of milliseconds: once per client.
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    def _error(self, method: str, path: str, answer: Answer) -> ConfluenceError:
        raw = answer.body if isinstance(answer.body, bytes) else b""
        words = site_words(answer.status, raw, answer.headers.get("content-type", ""))
        return ConfluenceError(
            answer.status,
            words,
            method,
            path,
            retry_after_seconds(answer.headers.get("retry-after"), now=self.gate.now()),
        )

    def _once(
        self, method: str, url: str, query: str, path: str, body: Json | None
    ) -> Answer:
        # The policy judges where the call goes (scheme, host, port, path); the
        # query, which can carry 250 page ids, is added after it has.
        try:
            target = check_target(url, allow=self._allow, resolver=self._resolver)
        except BadInput as refusal:
            raise ConfluenceError(
                0,
                _for_sites(refusal.message),
                method,
                path,
                final=True,
            ) from None
        transport = PinnedTransport(
            host=target.host,
            port=target.port,
            addresses=target.addresses,
            deadline=time.monotonic() + self._total_timeout,
            connect_timeout=self._connect_timeout,
            ssl_context=self._ssl_context(),
        )
        headers = {
            "Authorization": self._credentials.header(),
            "Accept": "application/json",
            "User-Agent": "Signoff-Confluence-connector",
        }
        content = None
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            with (
                pinned_client(
                    transport,
                    total_timeout=self._total_timeout,
                    connect_timeout=self._connect_timeout,
                ) as client,
                client.stream(
                    method,
                    f"{target.url}?{query}" if query else target.url,
                    content=content,
                    headers=headers,
                ) as response,
            ):
                raw = _read_capped(response, self._max_bytes, method, path)
                status, answer_headers = response.status_code, response.headers
        except NETWORK_FAILURES as failure:
            raise ConfluenceError(
                0, f"no answer: {type(failure).__name__}", method, path
            ) from None
        if status >= 400:
            return Answer(status, answer_headers, raw)
        return Answer(status, answer_headers, _json(raw, method, path, status))


def _read_capped(response: httpx.Response, limit: int, method: str, path: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ConfluenceError(
                response.status_code,
                f"the answer is larger than {limit // MIB} MiB",
                method,
                path,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _json(raw: bytes, method: str, path: str, status: int) -> Json:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ConfluenceError(
            status, "the site answered something that is not JSON", method, path
        ) from None


def _flat(params: Params) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            flat.extend((key, str(item)) for item in value)
        else:
            flat.append((key, str(value)))
    return flat


def _for_sites(message: str) -> str:
    """The address policy's refusal, worded for a Confluence site (it is shared
    with webhooks)."""
    return (
        message.replace("webhook URL", "site address")
        .replace("webhooks only reach", "Signoff only calls")
        .replace("SIGNOFF_WEBHOOK_ALLOW", "SIGNOFF_CONFLUENCE_ALLOW")
    )
