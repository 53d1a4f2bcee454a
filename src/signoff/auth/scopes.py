"""The API scopes; a call needs its scope and the user's right in the space."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    read_change_set = "read:change-set"
    write_change_set = "write:change-set"
    read_approval = "read:approval"
    write_approval = "write:approval"
    decide_approval = "decide:approval"
    read_page = "read:page"
    write_page = "write:page"
    manage_space = "manage:space"
    read_audit = "read:audit"


ALL_SCOPES = frozenset(scope.value for scope in Scope)
