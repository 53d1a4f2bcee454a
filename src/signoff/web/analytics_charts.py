"""The analytics dashboard's charts as geometry for SVG drawn by the template.

Python does the arithmetic (scales, bar positions, which axis labels fit) so the
template only places shapes; no script runs in the browser. Coordinates are in the
viewBox, which CSS scales to the page's width.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from signoff.domain.states import RequestStatus
from signoff.queries.analytics import TrendPoint

WIDTH = 440
MAX_X_LABELS = 6
SERIES = (
    ("submitted", "Submitted", "#1f5fbf"),
    ("approved", "Approved", "#1f845a"),
    ("rejected", "Rejected", "#c9372c"),
)
STATUS_FILLS = {
    RequestStatus.pending: "#0747a6",
    RequestStatus.approved: "#1f845a",
    RequestStatus.rejected: "#c9372c",
    RequestStatus.cancelled: "#6b778c",
    RequestStatus.superseded: "#a36200",
    RequestStatus.expired: "#6e5dc6",
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    fill: str


@dataclass(frozen=True)
class TrendChart:
    """Grouped bars per period over a y axis from 0 to `top`."""

    width: int
    height: int
    left: float
    right: float
    top: float
    baseline: float
    title: str
    x_title: str
    series: tuple[Series, ...]
    bars: tuple[Bar, ...]
    x_labels: tuple[Label, ...]
    y_ticks: tuple[Label, ...]
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class StatusRow:
    label: str
    count: int
    bar: Bar
    name: Label
    value: Label


@dataclass(frozen=True)
class StatusChart:
    """One horizontal bar per request status, scaled to the largest count."""

    width: int
    height: int
    title: str
    rows: tuple[StatusRow, ...]


def axis_scale(peak: int) -> tuple[int, int]:
    """A round top for the axis and the step between ticks: 1, 2, 5, 10, 20, ...
    chosen so the axis has at most four steps."""
    for step in _round_steps():
        if step * 4 >= peak:
            return max(step, math.ceil(peak / step) * step), step
    raise AssertionError("unreachable")  # pragma: no cover


def _round_steps() -> Iterator[int]:
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            yield multiple * magnitude
        magnitude *= 10


def trend_chart(points: Sequence[TrendPoint], interval: str) -> TrendChart:
    left, right, top, bottom, height = 56.0, WIDTH - 8.0, 12.0, 52.0, 268
    baseline = height - bottom
    peak = max((getattr(p, key) for p in points for key, _, _ in SERIES), default=0)
    axis_top, step = axis_scale(peak)
    slot = (right - left) / max(len(points), 1)
    bar_width = slot * 0.8 / len(SERIES)
    per_unit = (baseline - top) / axis_top
    bars = []
    for index, point in enumerate(points):
        for offset, (key, name, fill) in enumerate(SERIES):
            value = getattr(point, key)
            if value:
                bars.append(
                    Bar(
                        x=_r(left + index * slot + slot * 0.1 + offset * bar_width),
                        y=_r(baseline - value * per_unit),
                        width=_r(bar_width),
                        height=_r(value * per_unit),
                        fill=fill,
                        title=f"{_period_name(point)}: {value} {name.lower()}",
                    )
                )
    every = math.ceil(len(points) / MAX_X_LABELS) if points else 1
    return TrendChart(
        width=WIDTH,
        height=height,
        left=left,
        right=right,
        top=top,
        baseline=baseline,
        title=_trend_title(points, interval),
        x_title="Day (UTC)" if interval == "day" else "Week starting (UTC)",
        series=tuple(Series(name, fill) for _, name, fill in SERIES),
        bars=tuple(bars),
        x_labels=tuple(
            Label(_r(left + (index + 0.5) * slot), baseline + 20, _period_name(p))
            for index, p in enumerate(points)
            if index % every == 0
        ),
        y_ticks=tuple(
            Label(left - 6, _r(baseline - value * per_unit), str(value))
            for value in range(0, axis_top + 1, step)
        ),
        points=tuple(points),
    )


def _trend_title(points: Sequence[TrendPoint], interval: str) -> str:
    totals = [sum(getattr(p, key) for p in points) for key, _, _ in SERIES]
    counts = ", ".join(
        f"{total} {name.lower()}"
        for total, (_, name, _) in zip(totals, SERIES, strict=True)
    )
    return f"Requests per {interval}: {counts}"


def _period_name(point: TrendPoint) -> str:
    return f"{point.period.day} {point.period:%b}"


def status_chart(breakdown: Mapping[str, int]) -> StatusChart:
    label_end, bar_start, row_height, bar_height = 104.0, 112.0, 32.0, 22.0
    longest = WIDTH - bar_start - 56
    peak = max(breakdown.values(), default=0) or 1
    rows = []
    for index, status in enumerate(RequestStatus):
        count = breakdown.get(status.value, 0)
        y = 6 + index * row_height
        length = _r(longest * count / peak)
        label = status.value.capitalize()
        rows.append(
            StatusRow(
                label=label,
                count=count,
                bar=Bar(
                    x=bar_start,
                    y=y,
                    width=length,
                    height=bar_height,
                    fill=STATUS_FILLS[status],
                    title=f"{label}: {count}",
                ),
                name=Label(label_end, y + 16, label),
                value=Label(bar_start + length + 6, y + 16, str(count)),
            )
        )
    counts = ", ".join(f"{row.count} {row.label.lower()}" for row in rows)
    return StatusChart(
        width=WIDTH,
        height=int(12 + len(rows) * row_height),
        title=f"Requests submitted in the range by current status: {counts}",
        rows=tuple(rows),
    )


def _r(value: float) -> float:
    """Two decimals are finer than any screen; shorter numbers, smaller pages."""
    return round(value, 2)
