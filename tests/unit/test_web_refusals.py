"""Web handlers handle refusals one way, read from their source so none drifts.

A handler catches no refusal but `FORM_REFUSALS`, the ones a form shows on itself
with the fields as sent (or `LOOKUP_FORM_REFUSALS`, for a form whose fields name
things to look up); every other `SignoffError` goes to the one mapping of
`web/refusals.py`, which the application's handler renders as the error page.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import signoff
from signoff.domain.errors import SignoffError
from signoff.web.refusals import FORM_REFUSALS, LOOKUP_FORM_REFUSALS

SRC = Path(signoff.__file__).parent
ROUTES = sorted((SRC / "web" / "routes").glob("*.py"))


def _module(path: Path) -> str:
    return path.relative_to(SRC.parent).with_suffix("").as_posix().replace("/", ".")


def _refusals_caught(namespace: dict[str, object], caught: ast.expr) -> list[str]:
    """The refusal classes an `except` names, other than through `FORM_REFUSALS`."""
    value = eval(compile(ast.Expression(caught), "<except>", "eval"), namespace)  # noqa: S307
    if value is FORM_REFUSALS or value is LOOKUP_FORM_REFUSALS:
        return []
    kinds = value if isinstance(value, tuple) else (value,)
    return [
        kind.__name__
        for kind in kinds
        if isinstance(kind, type)
        and (issubclass(kind, SignoffError) or issubclass(SignoffError, kind))
    ]


@pytest.mark.parametrize("path", ROUTES, ids=lambda p: p.name)
def test_web_handlers_catch_only_the_refusals_a_form_shows_again(path: Path) -> None:
    namespace = vars(importlib.import_module(_module(path)))
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    wrong = [
        f"line {node.lineno}: {', '.join(found) or 'everything'}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ExceptHandler)
        for found in [
            _refusals_caught(namespace, node.type) if node.type is not None else []
        ]
        if found or node.type is None
    ]
    assert not wrong, "catch FORM_REFUSALS, or let the refusal go to the error page"
