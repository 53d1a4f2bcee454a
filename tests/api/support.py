"""A synchronous client for the real ASGI app, for tests.

The app's lifespan and an httpx AsyncClient live on an event loop in a background
thread; tests call `client.post(...)` from any thread, so concurrent requests are
plain threads, as they would be against a server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from factories import by
from signoff.actions.tokens import do_create_token
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.states import Origin

T = TypeVar("T")


class AppClient:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(
            app
        )
        self._client: httpx.AsyncClient = self._run(self._open())

    async def _open(self) -> httpx.AsyncClient:
        await self._lifespan.__aenter__()
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://signoff.test"
        )

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(
            timeout=120
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self._run(
            self._client.request(
                method, path, json=json, params=params, headers=sent, content=content
            )
        )

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)

    def close(self) -> None:
        self._run(self._client.aclose())
        self._run(self._lifespan.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


@dataclass
class Team:
    """alice: site and space admin; bob: editor; carol and dave: viewers (approvers)."""

    db: Database
    space_id: int
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)

    def token_for(self, name: str, *scopes: str) -> str:
        with self.db.write() as s:
            user = s.get(User, self.users[name])
            _, secret = do_create_token(
                s, user, scopes=list(scopes), **by(None, Origin.cli)
            )
        return secret
