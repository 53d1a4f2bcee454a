"""One server, one token: JSON over httpx, with refusals turned into `ApiError`.

Both APIs answer errors in their own envelope: `/api/v1` as `{"error": ...}` and the
page store as Confluence's `{"errors": [{"detail": ...}]}`; either becomes the
`error` text of an `ApiError` with the HTTP status. A 429 or 503 is retried after
its `Retry-After`, a few times; every POST carries an `Idempotency-Key`, so a retry
never runs an action twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from signoff import __version__
from signoff.client.backoff import retry_after_seconds
from signoff.client.errors import ApiError, ClientError, Unreachable

if TYPE_CHECKING:  # httpx is imported when the first connection opens: a command
    import httpx  # that only prints its help never pays for it.

RETRYABLE = frozenset({429, 503})
Json = dict[str, Any]


def check_url(url: str) -> str:
    """The server's base URL without a trailing slash; only http and https."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"--url must be an http:// or https:// URL, not {url!r}.")
    return url.strip().rstrip("/")


def error_text(response: httpx.Response) -> str:
    """The sentence the server gave for a refusal, whichever envelope it used."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("error"), str):
            return str(body["error"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("detail") or first.get("title") or "refused")
        if isinstance(body.get("detail"), str):
            return str(body["detail"])
    return response.reason_phrase or "the server refused the request"


class Connection:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        longest_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = check_url(url)
        self.retries = retries
        self.longest_retry_wait = longest_retry_wait
        self._sleep = sleep
        import httpx  # see the TYPE_CHECKING import above

        self._http = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"signoff-client/{__version__}",
            },
        )

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Json:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Json) -> Json:
        key = uuid.uuid4().hex  # the same key on every retry of this one call
        return self.request("POST", path, json=body, headers={"Idempotency-Key": key})

    def put(self, path: str, body: Json) -> Json:
        return self.request("PUT", path, json=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Json | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Json:
        attempt = 0
        while True:
            try:
                return self._once(method, path, params, json, headers)
            except ApiError as error:
                wait = error.retry_after if error.retry_after is not None else 1.0
                if (
                    error.status not in RETRYABLE
                    or attempt >= self.retries
                    or wait > self.longest_retry_wait
                ):
                    raise
                attempt += 1
                self._sleep(wait)

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json: Json | None,
        headers: Mapping[str, str] | None,
    ) -> Json:
        import httpx  # loaded by now: the connection opened it

        try:
            response = self._http.request(
                method, path, params=params, json=json, headers=headers
            )
        except httpx.TimeoutException:
            raise Unreachable(f"{self.url} did not answer in time.") from None
        except httpx.TransportError as error:
            reason = str(error) or type(error).__name__
            raise Unreachable(f"cannot reach {self.url}: {reason}") from None
        if response.is_error:
            raise ApiError(
                response.status_code,
                error_text(response),
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ClientError(
                f"{self.url}{path} did not answer with a JSON object; "
                "is --url a Signoff server?"
            )
        return body
