"""Who acts is said once: one `Acting` value, passed to every action as `by`.

The checks read the actions' source, so a new action cannot drift back to the four
loose keywords, nor write an audited notification through two separate calls.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import signoff
from signoff.actions.acting import Acting
from signoff.db.models import User
from signoff.domain.states import Origin

ACTIONS = Path(signoff.__file__).parent / "actions"
LOOSE = {"actor", "origin", "client_id", "now"}
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def _called(function: ast.FunctionDef) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def test_no_action_takes_who_acts_as_loose_keywords() -> None:
    loose = []
    for path in sorted(ACTIONS.glob("*.py")):
        for function in _functions(path):
            arguments = function.args
            names = {
                argument.arg
                for argument in [
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                ]
            }
            if function.name.startswith("do_") and names & LOOSE:
                loose.append(f"{path.name}:{function.name} {sorted(names & LOOSE)}")
    assert loose == []


def test_an_action_that_audits_and_notifies_does_both_through_announce() -> None:
    split = [
        f"{path.name}:{function.name}"
        for path in sorted(ACTIONS.glob("*.py"))
        for function in _functions(path)
        if {"record_event", "enqueue"} <= _called(function)
        and function.name != "announce"
    ]
    assert split == []


def test_the_system_acts_as_nobody_through_no_client() -> None:
    system = Acting.system(AT)
    assert (system.actor, system.origin, system.client_id, system.now) == (
        None,
        Origin.system,
        None,
        AT,
    )


def test_acting_for_someone_else_keeps_the_interface_client_and_time() -> None:
    alice = User(username="alice", display_name="Alice")
    client = Acting(None, Origin.api, "oauth-client", AT)
    assert client.with_actor(alice) == Acting(alice, Origin.api, "oauth-client", AT)


def test_who_acts_cannot_be_changed_once_said() -> None:
    acting = Acting.system(AT)
    with pytest.raises(AttributeError):
        acting.now = datetime(2027, 1, 1, tzinfo=UTC)  # type: ignore[misc]
