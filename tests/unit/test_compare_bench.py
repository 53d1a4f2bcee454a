"""`signoff bench --compare`'s figures: what it compares and the names it prints."""

from __future__ import annotations

from signoff.bench.compare import page_pair, run_compare_bench
from signoff.bench.tables import compare_table


def test_the_page_pair_is_about_a_megabyte_with_every_kind_of_change() -> None:
    old, new = page_pair()
    assert 1_000_000 <= len(old) < 1_100_000
    assert new != old


def test_the_figures_name_the_change_found_and_both_timings() -> None:
    figures = run_compare_bench(runs=1, clauses=1_400)
    assert figures["change"] == "2 paragraphs changed, 1 added, 1 removed, 24 words"
    for name in (
        "compareBestMs",
        "compareMedianMs",
        "measureBestMs",
        "measureMedianMs",
    ):
        assert figures[name] > 0
    assert compare_table(figures).row_count == 6
