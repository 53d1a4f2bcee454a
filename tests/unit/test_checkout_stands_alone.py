"""The repository alone runs its build and its tests: nothing reaches outside it.

A fresh clone has no sibling folders, so a path that climbs out of the checkout works
on one machine and fails on the next. These checks read the project's own files.
"""

import re
from pathlib import Path

import pytest

from corpora import SSRF_TARGETS_FILE, XSS_VECTORS_FILE

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src", "tests", "loadtest", "scripts", ".ci", "Makefile", "pyproject.toml")
SUFFIXES = {".py", ".toml", ".cfg", ".ini", ".sh", ".yml", ".yaml", ""}
SIBLING = re.compile(r"(?<![\w./])\.\./\w|/work/|\"shared\"\s*/|/ \"shared|shared/data")
PARENTS = re.compile(r"parents\[(\d+)\]")


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            c
            for c in candidates
            if c.is_file() and c.suffix in SUFFIXES and "__pycache__" not in c.parts
        ]
    return [f for f in found if f.resolve() != Path(__file__).resolve()]


FILES = _files()


def test_the_scan_sees_the_project() -> None:
    names = {f.relative_to(ROOT).as_posix() for f in FILES}
    assert {"Makefile", "pyproject.toml", ".ci/run", "src/signoff/config.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_file_names_a_folder_beside_the_checkout(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not SIBLING.findall(text)


@pytest.mark.parametrize(
    "path",
    [f for f in FILES if f.suffix == ".py"],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_no_module_climbs_above_the_checkout(path: Path) -> None:
    """`Path(__file__).parents[n]` with n past the file's depth leaves the tree."""
    depth = len(path.relative_to(ROOT).parts) - 1
    text = path.read_text(encoding="utf-8")
    assert all(int(n) <= depth for n in PARENTS.findall(text))


@pytest.mark.parametrize(
    ("corpus", "lines"), [(XSS_VECTORS_FILE, 115), (SSRF_TARGETS_FILE, 60)]
)
def test_the_corpora_live_in_the_checkout_whole(corpus: Path, lines: int) -> None:
    assert corpus.is_relative_to(ROOT)
    assert len(corpus.read_text(encoding="utf-8").splitlines()) == lines
