"""The comparison with the Wagtail peer, without Django: its arguments and arithmetic.

`scripts/bench_vs_peer.py` and `peer/wagtail_bench.py` keep their pure parts
importable in Signoff's own virtualenv; the Wagtail run itself is `make peerbench`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from peer import wagtail_bench
from scripts import bench_vs_peer


def run(submit: float, approve: float) -> dict[str, Any]:
    return {"submitPerSecond": submit, "approvePerSecond": approve, "pages": 10}


def test_peer_defaults_to_a_thousand_pages_and_wagtails_own_finish() -> None:
    args = wagtail_bench.parse_args([])
    assert (args.pages, args.finish_action) == (1000, wagtail_bench.PUBLISH)


@pytest.mark.parametrize("argv", [["--pages", "0"], ["--finish-action", "skip"]])
def test_peer_refuses_a_bad_argument(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        wagtail_bench.parse_args(argv)


def test_peer_json_has_the_names_signoff_bench_uses() -> None:
    submit = wagtail_bench.Phase(actions=100, seconds=4.0, statements=7200)
    approve = wagtail_bench.Phase(actions=200, seconds=8.0, statements=13800)
    figures = wagtail_bench.result_json("8.0.1", 100, submit, approve, "publish")
    assert json.loads(json.dumps(figures)) == {
        "peer": "wagtail",
        "version": "8.0.1",
        "pages": 100,
        "submitPerSecond": 25.0,
        "approvePerSecond": 25.0,
        "statementsPerSubmit": 72.0,
        "statementsPerApprove": 69.0,
        "finishAction": "publish",
    }


def test_comparison_defaults_to_two_rounds_of_a_thousand_pages() -> None:
    args = bench_vs_peer.parse_args([])
    assert (args.pages, args.rounds, args.json) == (1000, 2, False)


@pytest.mark.parametrize("argv", [["--pages", "0"], ["--rounds", "0"]])
def test_comparison_refuses_nothing_to_run(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        bench_vs_peer.parse_args(argv)


def test_best_of_takes_each_rate_from_its_best_run() -> None:
    best = bench_vs_peer.best_of([run(100.0, 80.0), run(90.0, 95.0)])
    assert best == {"submitPerSecond": 100.0, "approvePerSecond": 95.0, "runs": 2}


def test_best_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no runs"):
        bench_vs_peer.best_of([])


def test_ratios_are_signoff_over_the_peer() -> None:
    found = bench_vs_peer.ratios(run(120.0, 90.0), run(30.0, 45.0))
    assert found == {"submitRatio": 4.0, "approveRatio": 2.0}


def test_target_is_met_only_when_both_ratios_reach_twelve() -> None:
    both = bench_vs_peer.comparison(10, [run(240.0, 240.0)], [run(20.0, 20.0)])
    one = bench_vs_peer.comparison(10, [run(240.0, 230.0)], [run(20.0, 20.0)])
    assert (both["targetMet"], one["targetMet"]) == (True, False)


def test_comparison_keeps_every_run_and_the_best() -> None:
    result = bench_vs_peer.comparison(
        10, [run(100.0, 80.0), run(110.0, 70.0)], [run(10.0, 8.0), run(5.0, 10.0)]
    )
    assert result["signoffRuns"] == [
        {"submitPerSecond": 100.0, "approvePerSecond": 80.0},
        {"submitPerSecond": 110.0, "approvePerSecond": 70.0},
    ]
    assert (result["submitRatio"], result["approveRatio"]) == (11.0, 8.0)


def test_table_prints_both_rates_and_the_ratios() -> None:
    result = bench_vs_peer.comparison(10, [run(111.0, 92.0)], [run(27.75, 23.0)])
    lines = bench_vs_peer.table(result).splitlines()
    assert lines[1].split() == ["submits", "/", "s", "111.0", "27.8", "4.00"]
    assert lines[2].split() == ["approvals", "/", "s", "92.0", "23.0", "4.00"]
    assert lines[3] == "target: both ratios >= 12 (not met)"


def test_last_json_line_reads_the_object_after_other_output() -> None:
    stdout = 'migrating\n{"submitPerSecond": 1.5}\n\n'
    assert bench_vs_peer.last_json_line(stdout) == {"submitPerSecond": 1.5}


@pytest.mark.parametrize("stdout", ["", "[1, 2]\n"])
def test_last_json_line_refuses_no_object(stdout: str) -> None:
    with pytest.raises(ValueError, match="bench"):
        bench_vs_peer.last_json_line(stdout)


def test_alternate_runs_signoff_then_the_peer_each_round() -> None:
    commands: list[str] = []

    def fake(command: Sequence[str]) -> dict[str, Any]:
        commands.append("peer" if "wagtail_bench.py" in command[1] else command[1])
        return run(1.0, 1.0)

    signoff, peer = bench_vs_peer.alternate(5, 2, fake)
    assert commands == ["bench", "peer", "bench", "peer"]
    assert (len(signoff), len(peer)) == (2, 2)
