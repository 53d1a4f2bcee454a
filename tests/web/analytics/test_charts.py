"""Chart geometry: round axes, bars in proportion, axis labels that fit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from signoff.queries.analytics import TrendPoint
from signoff.web.analytics_charts import (
    MAX_X_LABELS,
    axis_scale,
    status_chart,
    trend_chart,
)
from signoff.web.routes.analytics import hours_text


@pytest.mark.parametrize(
    ("peak", "scale"),
    [
        (0, (1, 1)),
        (3, (3, 1)),
        (4, (4, 1)),
        (5, (6, 2)),
        (27, (30, 10)),
        (901, (1000, 500)),
    ],
)
def test_the_axis_top_is_a_round_number_with_at_most_four_steps(
    peak: int, scale: tuple[int, int]
) -> None:
    assert axis_scale(peak) == scale


def days(counts: list[tuple[int, int, int]]) -> list[TrendPoint]:
    first = date(2026, 3, 2)
    return [TrendPoint(first + timedelta(days=n), *row) for n, row in enumerate(counts)]


def test_trend_bars_are_in_proportion_and_zero_counts_draw_nothing() -> None:
    chart = trend_chart(days([(4, 2, 0), (0, 0, 1)]), "day")
    assert [bar.title for bar in chart.bars] == [
        "2 Mar: 4 submitted",
        "2 Mar: 2 approved",
        "3 Mar: 1 rejected",
    ]
    submitted, approved, rejected = chart.bars
    assert submitted.height == pytest.approx(2 * approved.height, abs=0.01)
    assert submitted.y + submitted.height == chart.baseline
    assert submitted.x < approved.x < chart.width / 2 < rejected.x
    assert chart.title == "Requests per day: 4 submitted, 2 approved, 1 rejected"
    assert [tick.text for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_a_long_trend_labels_only_a_few_periods() -> None:
    chart = trend_chart(days([(1, 0, 0)] * 90), "week")
    assert 1 < len(chart.x_labels) <= MAX_X_LABELS
    assert chart.x_labels[0].text == "2 Mar"
    assert chart.x_title == "Week starting (UTC)"


def test_the_largest_status_gets_the_longest_bar() -> None:
    chart = status_chart({"pending": 8, "approved": 2, "rejected": 0})
    rows = {row.label: row for row in chart.rows}
    assert list(rows) == [
        "Pending",
        "Approved",
        "Rejected",
        "Cancelled",
        "Superseded",
        "Expired",
    ]
    assert rows["Pending"].bar.width == pytest.approx(4 * rows["Approved"].bar.width)
    assert rows["Rejected"].bar.width == 0
    assert rows["Pending"].value.x > rows["Approved"].value.x
    assert chart.title.endswith(
        "8 pending, 2 approved, 0 rejected, 0 cancelled, 0 superseded, 0 expired"
    )


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "—"),
        (0.25, "15 min"),
        (4.0, "4.0 h"),
        (47.9, "47.9 h"),
        (60.0, "2.5 days"),
    ],
)
def test_durations_read_at_a_glance(hours: float | None, text: str) -> None:
    assert hours_text(hours) == text
