"""The figures table sums what tests record and refuses names it does not print."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability import figures


@pytest.fixture
def own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "figures.jsonl"
    monkeypatch.setattr(figures, "FIGURES_FILE", path)
    return path


def test_records_are_summed_and_printed_in_table_order(own_file: Path) -> None:
    figures.record("decisions lost", 0)
    figures.record("races run", 3)
    figures.record("races run", 4)
    lines: list[str] = []
    figures.print_figures(lines.append)
    assert figures.totals() == {"races run": 7, "decisions lost": 0}
    assert lines[2].split()[:3] == ["races", "run", "7"]
    assert "decisions lost" in lines[3]


def test_an_unknown_figure_is_refused(own_file: Path) -> None:
    with pytest.raises(ValueError, match="unknown reliability figure"):
        figures.record("races runn", 1)
    assert not own_file.exists()


def test_nothing_recorded_prints_nothing(own_file: Path) -> None:
    lines: list[str] = []
    figures.print_figures(lines.append)
    assert lines == []


def test_tier_picks_repetitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_TIER", "long")
    assert figures.repetitions(10, 50) == 50
    monkeypatch.setenv("SIGNOFF_TIER", "short")
    assert figures.repetitions(10, 50) == 10
