"""Geometry of the messages-per-day chart; the template draws it as inline SVG.

Pure: counts in, coordinates out. Server-side drawing keeps the page free of chart
libraries (the Pi may be offline) and readable without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modembridge.admin.stats import SERIES, DayCounts

WIDTH = 800
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 30  # margins for the axis labels


@dataclass(frozen=True)
class Dot:
    """A day with messages in a series: a marker with a tooltip."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Line:
    """One series: an SVG `points` string, dots on the non-zero days, the period's total."""

    series: str
    points: str
    dots: tuple[Dot, ...]
    total: int


@dataclass(frozen=True)
class Tick:
    """An axis label at an SVG coordinate."""

    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the last label ends at the plot's edge


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    summary: str  # a text alternative for screen readers


def nice_ceiling(value: int) -> int:
    """The smallest of 4, 10, 20, 40, 100, 200, 400, ... that is >= `value`.

    Each has a whole half, so the middle grid line has a whole-number label.
    """
    step = 1
    while True:
        for factor in (1, 2, 4):
            if step * factor >= max(value, 4):
                return step * factor
        step *= 10


def build_chart(days: Sequence[DayCounts]) -> Chart:
    """Lay out one line per series over `days` (oldest first)."""
    top_value = nice_ceiling(max((d.value(s) for d in days for s in SERIES), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: int) -> float:
        return round(TOP + plot_h - v * plot_h / top_value, 1)

    lines = tuple(
        Line(
            series,
            " ".join(f"{x(i)},{y(d.value(series))}" for i, d in enumerate(days)),
            tuple(
                Dot(x(i), y(d.value(series)), f"{d.day:%d %b}: {d.value(series)} {series}")
                for i, d in enumerate(days)
                if d.value(series)
            ),
            sum(d.value(series) for d in days),
        )
        for series in SERIES
    )
    y_ticks = tuple(Tick(y(v), str(v)) for v in (0, top_value // 2, top_value))
    last = len(days) - 1
    x_ticks = tuple(
        Tick(x(i), f"{d.day.day} {d.day:%b}", "end" if i == last else "middle")
        for i, d in enumerate(days)
        if (last - i) % 7 == 0  # today, and every week back from it
    )
    summary = ", ".join(f"{line.total} {line.series}" for line in lines)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=TOP + plot_h,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        summary=f"Last {len(days)} days: {summary}",
    )
