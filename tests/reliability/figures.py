"""The reliability figures: counts that tests record and the run prints as one table.

A test records what it tried and what it saw (`record("races run", 1)`,
`record("decisions lost", lost)`); every record is appended as one JSON line to a
file shared by all test processes, and `print_figures` sums them at the end of the
run. Zero is recorded too, so a figure that must stay at zero still shows that the
test which could have raised it ran.

`SIGNOFF_TIER=long` (what `make reliability` sets) asks for the long tier: more
repetitions, more trials, more fuzzing examples; `repetitions(short, long)` picks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIGURES_FILE = Path(
    os.environ.get("SIGNOFF_FIGURES_FILE", ".artifacts/reliability-figures.jsonl")
)


@dataclass(frozen=True)
class Figure:
    name: str
    target: str  # what the figure must be, printed beside it


# The table's rows, in print order. A figure recorded under another name is an error,
# so a typo cannot hide a count from the table.
FIGURES = (
    Figure("races run", "> 0"),
    Figure("decisions lost", "0"),
    Figure("duplicates", "0"),
    Figure("5xx responses", "0"),
    Figure("crash trials", "> 0"),
    Figure("acknowledged writes lost", "0"),
    Figure("tampering attempts", "> 0"),
    Figure("tampering detected", "= attempts"),
    Figure("state machine steps", "> 0"),
    Figure("XSS vectors tried", "115 per field"),
    Figure("scripts fired", "0"),
    Figure("fuzz examples", "> 0"),
)
_NAMES = {figure.name for figure in FIGURES}


def long_tier() -> bool:
    return os.environ.get("SIGNOFF_TIER", "short") == "long"


def repetitions(short: int, long: int) -> int:
    """How many times to repeat a trial in this tier."""
    return long if long_tier() else short


def record(name: str, value: int) -> None:
    """Add `value` to the figure `name` for this run."""
    if name not in _NAMES:
        raise ValueError(f"unknown reliability figure {name!r}")
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES_FILE.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"name": name, "value": int(value)}) + "\n")


def reset() -> None:
    """Start a run's figures afresh (called once, by the controlling process)."""
    FIGURES_FILE.unlink(missing_ok=True)


def totals() -> dict[str, int]:
    sums: dict[str, int] = {}
    if FIGURES_FILE.exists():
        for line in FIGURES_FILE.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            sums[entry["name"]] = sums.get(entry["name"], 0) + entry["value"]
    return sums


def print_figures(write_line: Callable[[str], None]) -> None:
    """Write the figures table, one row per figure this run recorded."""
    sums = totals()
    if not sums:
        return
    tier = "long" if long_tier() else "short"
    write_line(f"reliability figures ({tier} tier)")
    write_line(f"  {'figure':<28} {'value':>10}  target")
    for figure in FIGURES:
        if figure.name in sums:
            write_line(f"  {figure.name:<28} {sums[figure.name]:>10}  {figure.target}")
