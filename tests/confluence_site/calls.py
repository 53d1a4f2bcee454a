"""What a handler gets and gives: one call's parsed parts, and its answer.

Handlers are plain functions run under the site's lock; they raise SiteError to
refuse. Each is registered with the scopes it needs and the query parameters it
reads, so the conformance tests can hold both against Atlassian's document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluence_site.auth import Caller
from confluence_site.errors import BadRequest
from confluence_site.site import ConfluenceSite


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON; None sends no body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    site: ConfluenceSite
    caller: Caller
    path_params: dict[str, str]
    params: list[tuple[str, str]]
    body: bytes
    site_base: str  # `http://HOST/wiki`, whichever base form was called
    path: str  # the called path as the site spells it, from `/wiki` on

    def one(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def many(self, name: str) -> list[str]:
        """A list parameter: repeated (`id=1&id=2`), comma-separated, or both."""
        return [
            part for k, v in self.params if k == name for part in v.split(",") if part
        ]

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.one(name)
        if raw is None:
            return default
        if raw.lower() not in {"true", "false"}:
            raise BadRequest(
                f"Provided value {{{raw}}} for '{name}' is not the correct type."
            )
        return raw.lower() == "true"

    def choice(
        self, name: str, allowed: tuple[str, ...], default: str | None = None
    ) -> str | None:
        raw = self.one(name)
        if raw is None:
            return default
        if raw not in allowed:
            raise BadRequest(f"Provided value {{{raw}}} for '{name}' is not valid.")
        return raw

    def number(self, name: str, *, source: str = "path") -> int:
        """An int64 id or number, from the path (`source="path"`) or the query."""
        raw = self.path_params.get(name) if source == "path" else self.one(name)
        if raw is None or not raw.isdigit() or len(raw) > 18:
            raise BadRequest(
                f"Provided value {{{raw}}} for '{name}' is not the correct type."
            )
        return int(raw)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest("The request body is not valid JSON.") from error


Handler = Callable[[Call], Answer]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /wiki, in Starlette's syntax
    handler: Handler
    scopes: tuple[frozenset[str], ...]  # any one set is enough
    params: frozenset[str]
    spec: str | None  # "GET /pages/{id}" in the REST v2 document; None for v1

    @property
    def v2(self) -> bool:
        return self.path.startswith("/api/v2/")


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    *,
    scopes: tuple[tuple[str, ...], ...],
    params: tuple[str, ...] = (),
    spec: str | None = None,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        OPERATIONS.append(
            Operation(
                method,
                path,
                handler,
                tuple(frozenset(s) for s in scopes),
                frozenset(params),
                spec,
            )
        )
        return handler

    return register
