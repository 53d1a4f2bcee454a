"""What a notification channel plugs into the outbox worker: a handler per kind.

A handler receives one `Message` and does its delivery (or computes its fan-out)
outside any transaction. It returns the `FollowUp`s to enqueue when the message
completes, or raises `Retry` / `GiveUp`; any other exception counts as a retry.
Delivery is at-least-once: a handler may run again for the same message after a
crash, so it sends `message.message_id` along for receivers to drop duplicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signoff.db.session import Database

# Follow-up ids derive from this namespace, so a re-run computes the same ids.
NAMESPACE = uuid.UUID("6f0f6f0e-5c1d-4b4e-9a51-5e7a1b0c0f17")


@dataclass(frozen=True)
class Message:
    """A snapshot of one outbox row, taken when the worker claimed it."""

    id: int
    message_id: str
    kind: str
    space_id: int | None
    payload: dict[str, Any]
    attempts: int  # failed attempts before this one
    created_at: datetime


@dataclass(frozen=True)
class FollowUp:
    """A message to enqueue once the current one is delivered: one per receiver.

    `key` names the receiver (e.g. "webhook:12", "email:ann@example.com"); it must
    be stable across re-runs, since the follow-up's id is derived from it.
    """

    kind: str
    payload: dict[str, Any]
    space_id: int | None
    key: str

    def message_id_for(self, parent_message_id: str) -> str:
        return follow_up_message_id(parent_message_id, self.key)


def follow_up_message_id(parent_message_id: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{parent_message_id}:{key}"))


class Retry(Exception):
    """Try again later; `retry_after` (seconds) is the least wait, e.g. Retry-After."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class GiveUp(Exception):
    """Never going to work (e.g. the receiver was deleted): the message is dead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Handler = Callable[[Message, Database], Sequence[FollowUp]]


def nothing_to_do(message: Message, db: Database) -> Sequence[FollowUp]:
    """The fallback: a kind no channel listens to is done at once, so rows never pile
    up."""
    return ()


class Handlers:
    """Exact kind → handler, and a fallback for every other kind."""

    def __init__(
        self,
        handlers: Mapping[str, Handler] | None = None,
        *,
        fallback: Handler = nothing_to_do,
    ) -> None:
        self._handlers: dict[str, Handler] = {}
        self.fallback = fallback
        for kind, handler in (handlers or {}).items():
            self.register(kind, handler)

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    def for_kind(self, kind: str) -> Handler:
        return self._handlers.get(kind, self.fallback)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)


def all_of(*handlers: Handler) -> Handler:
    """One handler running several in order, for a kind several channels fan out.

    A retry re-runs them all, so combine only handlers that compute follow-ups and
    have no side effects of their own; their keys must not collide.
    """

    def combined(message: Message, db: Database) -> Sequence[FollowUp]:
        return [follow for handler in handlers for follow in handler(message, db)]

    return combined
