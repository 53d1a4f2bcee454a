"""The errors every layer speaks: one `SignoffError` family, mapped to HTTP once.

Each error is a noun and carries a sentence for people; the API, the UI and the CLI
show that sentence as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SignoffError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(SignoffError):
    """The caller sent a value the rules cannot accept; `field` names it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(SignoffError):
    """No such object, or one the caller may not see (never say which)."""


@dataclass(frozen=True)
class Denial:
    """What a refused authorisation records in the audit trail after rollback."""

    action: str
    reason: str
    actor_id: int | None
    space_id: int | None = None
    page_id: int | None = None
    change_set_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class NotAllowed(SignoffError):
    """The caller lacks the right; the refusal itself is audited as `auth.denied`."""

    def __init__(self, message: str, *, denial: Denial | None = None) -> None:
        super().__init__(message)
        self.denial = denial


class InvalidState(SignoffError):
    """The object's state does not allow this transition (HTTP 409, never 403)."""


class VersionConflict(InvalidState):
    """The page moved on: the decision or edit named a version that is not current."""

    def __init__(self, message: str, *, expected: int, given: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.given = given
