"""Run `signoff bench` and the Wagtail peer bench alternately, and compare their rates.

Both run at the same N on the same machine in one sitting, Signoff first, then the
peer, `--rounds` times; each side's best rate per figure is kept, since a shared
machine only ever slows a run down. The ratios are Signoff's best over the peer's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIGNOFF = ROOT / ".venv" / "bin" / "signoff"
PEER_PYTHON = ROOT / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = ROOT / "peer" / "wagtail_bench.py"
RATES = ("submitPerSecond", "approvePerSecond")
RATIOS = {"submitRatio": "submitPerSecond", "approveRatio": "approvePerSecond"}
TARGET_RATIO = 12.0

Figures = dict[str, Any]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def best_of(runs: Sequence[Figures]) -> Figures:
    """The highest of each rate over the runs, and how many runs there were."""
    if not runs:
        raise ValueError("no runs to take the best of")
    best: Figures = {rate: max(float(run[rate]) for run in runs) for rate in RATES}
    best["runs"] = len(runs)
    return best


def ratios(signoff: Figures, peer: Figures) -> Figures:
    """Signoff's rate over the peer's, for each action."""
    return {name: signoff[rate] / peer[rate] for name, rate in RATIOS.items()}


def comparison(
    pages: int, signoff: Sequence[Figures], peer: Sequence[Figures]
) -> Figures:
    """The whole answer: both sides' best, every run, the ratios and the target."""
    signoff_best, peer_best = best_of(signoff), best_of(peer)
    found = ratios(signoff_best, peer_best)
    return {
        "pages": pages,
        "signoff": signoff_best,
        "peer": peer_best,
        **found,
        "targetRatio": TARGET_RATIO,
        "targetMet": all(value >= TARGET_RATIO for value in found.values()),
        "signoffRuns": [_rates(run) for run in signoff],
        "peerRuns": [_rates(run) for run in peer],
    }


def _rates(run: Figures) -> Figures:
    return {rate: run[rate] for rate in RATES}


def table(result: Figures) -> str:
    signoff, peer = result["signoff"], result["peer"]
    rows = [
        f"{'best of ' + str(signoff['runs']) + ', pages ' + str(result['pages']):<26}"
        f"{'Signoff':>10}{'Wagtail':>10}{'ratio':>8}",
    ]
    for label, rate, ratio in (
        ("submits / s", "submitPerSecond", "submitRatio"),
        ("approvals / s", "approvePerSecond", "approveRatio"),
    ):
        rows.append(
            f"{label:<26}{signoff[rate]:>10.1f}{peer[rate]:>10.1f}{result[ratio]:>8.2f}"
        )
    verdict = "met" if result["targetMet"] else "not met"
    rows.append(f"target: both ratios >= {result['targetRatio']:g} ({verdict})")
    return "\n".join(rows)


def last_json_line(stdout: str) -> Figures:
    """A bench prints one JSON object as its last line of output."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the bench printed nothing on stdout")
    figures = json.loads(lines[-1])
    if not isinstance(figures, dict):
        raise ValueError("the bench's last line is not a JSON object")
    return figures


def run_json(command: Sequence[str]) -> Figures:
    """Run one bench; its progress and tables go to our stderr as they come."""
    done = subprocess.run(  # noqa: S603 - our own virtualenvs' executables
        list(command), stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT
    )
    return last_json_line(done.stdout)


def alternate(
    pages: int, rounds: int, run: Callable[[Sequence[str]], Figures] = run_json
) -> tuple[list[Figures], list[Figures]]:
    """Signoff, then the peer, `rounds` times: load that comes and goes hits both."""
    signoff_command = [str(SIGNOFF), "bench", "--pages", str(pages), "--json"]
    peer_command = [str(PEER_PYTHON), str(PEER_SCRIPT), "--pages", str(pages)]
    signoff: list[Figures] = []
    peer: list[Figures] = []
    for number in range(1, rounds + 1):
        _say(f"round {number} of {rounds}: signoff bench --pages {pages}")
        signoff.append(run(signoff_command))
        _say(f"round {number} of {rounds}: wagtail peer --pages {pages}")
        peer.append(run(peer_command))
    return signoff, peer


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # noqa: T201


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signoff, peer = alternate(args.pages, args.rounds)
    result = comparison(args.pages, signoff, peer)
    output = json.dumps(result) if args.json else table(result)
    print(output)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
