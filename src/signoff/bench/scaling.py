"""`--scaling`: the same bench at N = 1,000, 10,000 and 100,000, side by side.

Each size runs in a process of its own, so its peak memory is its own and a size
never inherits another's caches; the child is `signoff bench --pages N --json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signoff.domain.errors import InvalidState

SCALING_SIZES = (1_000, 10_000, 100_000)


def run_scaling(
    sizes: Sequence[int] = SCALING_SIZES,
    database_url: str | None = None,
    data_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """One bench result per size, smallest first."""
    return [_run_child(pages, database_url, data_dir) for pages in sorted(sizes)]


def _run_child(
    pages: int, database_url: str | None, data_dir: Path | None
) -> dict[str, Any]:
    command = [sys.executable, "-m", "signoff.cli.main", "bench"]
    command += ["--pages", str(pages), "--json"]
    if database_url is not None:
        command += ["--database-url", database_url]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    # Progress goes to our stderr as the child draws it; the figures come back on
    # stdout as one JSON object.
    finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603 (our own interpreter and arguments)
    if finished.returncode != 0:
        raise InvalidState(f"The bench at {pages} pages failed (see above).")
    result = json.loads(finished.stdout)
    assert isinstance(result, dict)
    return result


def growth(results: Sequence[dict[str, Any]], key: str) -> float | None:
    """How much a figure grew from the smallest size to the largest."""
    first, last = results[0][key], results[-1][key]
    return last / first if first and last is not None else None
