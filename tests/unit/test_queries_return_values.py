"""Queries return typed values; only the interfaces write JSON.

No module under `signoff/queries/` defines `to_json` (nor any function whose name ends
in `_json`) or builds a dict keyed in camelCase, the interfaces' spelling: `/api/v1`
builds its answers from the values in `api/v1/shapes/`, and the CLI's `--json` takes
them from there or from a renderer of its own in `cli/`. Outside `api/` and `cli/`, no
class has a `to_json` or `as_dict` method. Read from the source, so nothing can drift.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import signoff

SRC = Path(signoff.__file__).parent
QUERIES = sorted((SRC / "queries").rglob("*.py"))
CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$")
# The pipeline client's `.signoff.json` is a file it reads back itself, not an answer.
OWN_FILE_FORMATS = {"client/mapping.py"}
INTERFACES = ("api", "cli")
RENDERERS = {"to_json", "as_dict"}


def _module(path: Path) -> str:
    return path.relative_to(SRC.parent).with_suffix("").as_posix().replace("/", ".")


def _camel_keys(node: ast.AST) -> list[str]:
    """The camelCase keys of a dict display or of a `dict(...)` call."""
    if isinstance(node, ast.Dict):
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
    elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
        keys = [keyword.arg for keyword in node.keywords]
    else:
        return []
    return [key for key in keys if isinstance(key, str) and CAMEL_CASE.match(key)]


def interface_shaping(tree: ast.AST) -> list[str]:
    """Where a module writes JSON for an interface: a `*_json` function or method,
    or a dict keyed in camelCase built inside a function."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name.endswith("_json"):
            found.append(f"line {function.lineno}: def {function.name}")
        for node in ast.walk(function):
            keys = _camel_keys(node)
            if keys:
                found.append(f"line {getattr(node, 'lineno', '?')}: keys {keys}")
    return sorted(set(found))


@pytest.mark.parametrize("path", QUERIES, ids=_module)
def test_queries_return_values_and_never_write_interface_json(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert interface_shaping(tree) == [], "return typed values; shape them in api/"


def test_only_the_interfaces_have_renderers() -> None:
    renderers = []
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        if where.split("/")[0] in INTERFACES or where in OWN_FILE_FORMATS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        renderers += [
            f"{where}:{node.lineno} {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name in RENDERERS
        ]
    assert renderers == [], "render in api/ (the API's objects) or cli/ (CLI only)"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            "class View:\n    def to_json(self):\n        return {'id': 1}\n",
            ["line 2: def to_json"],
        ),
        (
            "def view():\n    shaped = {'pageId': '1'}\n    return shaped\n",
            ["line 2: keys ['pageId']"],
        ),
        ("def view():\n    return dict(createdAt=1)\n", ["line 2: keys ['createdAt']"]),
        ("def counts():\n    return {'waiting_for_me': 1, 'id': 2}\n", []),
        ("COLUMNS = {'spaceId': 1}\n", []),
    ],
)
def test_the_check_sees_a_renderer_and_a_camel_case_dict(
    source: str, found: list[str]
) -> None:
    assert interface_shaping(ast.parse(source)) == found
