"""The HTTP edge runs no SQL of its own: handlers parse, call, render.

No module of the web UI, of the REST API's routes (`api/v1`) or of the page store's
routes (`api/wiki`) builds or runs a statement: reads live in `signoff.queries`,
writes in `signoff.actions`. `Session` may be imported, for the type of the session a
handler passes on. Read from the source, so a new handler cannot drift.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import signoff

SRC = Path(signoff.__file__).parent
EDGE = sorted(
    path
    for folder in ("web", "api/v1", "api/wiki")
    for path in (SRC / folder).rglob("*.py")
)
# What an edge module may take from SQLAlchemy: the type of a session it passes on.
ALLOWED_IMPORTS = {("sqlalchemy.orm", "Session")}
# Session methods that run a statement; handlers call queries and actions instead.
STATEMENT_METHODS = {"execute", "scalar", "scalars", "query"}


def _module(path: Path) -> str:
    return path.relative_to(SRC.parent).with_suffix("").as_posix().replace("/", ".")


@pytest.mark.parametrize("path", EDGE, ids=_module)
def test_the_edge_runs_no_sql_of_its_own(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if node.module.split(".")[0] == "sqlalchemy"
    } | {
        (alias.name, "*")
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] == "sqlalchemy"
    }
    statements = [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in STATEMENT_METHODS
    ]
    assert sorted(imported - ALLOWED_IMPORTS) == [], "build it in signoff.queries"
    assert statements == [], "run it in signoff.queries (reads) or signoff.actions"
