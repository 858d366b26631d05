"""The budget over time as a chart drawn on the server: plain SVG shapes computed here,
drawn by the template, styled by the stylesheet.  No script, nothing fetched; the same
figures are in a table beside it for whoever cannot see the lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.domain.money import format_pence

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 16, 40  # room for the axes' labels
LINES = (
    ("received", "Received"),
    ("allocated", "Allocated"),
    ("spent", "Spent"),
    ("available", "Available"),
)


@dataclass(frozen=True)
class Line:
    key: str  # the stylesheet's class for it
    label: str
    points: str  # SVG polyline points, "x,y x,y ..."
    last: str  # its value at the last date, as people read it


@dataclass(frozen=True)
class Tick:
    at: float  # x (dates) or y (amounts) in the drawing
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int  # x of the plot's right edge
    bottom: int  # y of the plot's bottom edge
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    description: str


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2 or 5 times a power of ten (in pence) at or above ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def budget_chart(series: Any) -> Chart | None:
    """The chart of a ``BudgetSeries``: one line per measure over its dates."""
    points = series.points
    if not points:
        return None
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    values = {key: [getattr(p.position, key).pence for p in points] for key, _ in LINES}
    top_value = nice_ceiling(max([1, *(v for vs in values.values() for v in vs)]))
    span = max(len(points) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + (plot_right - LEFT) * index / span, 1)

    def y(pence: int) -> float:
        return round(plot_bottom - (plot_bottom - TOP) * max(pence, 0) / top_value, 1)

    lines = [
        Line(
            key,
            label,
            " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values[key])),
            format_pence(values[key][-1]),
        )
        for key, label in LINES
    ]
    every = max(1, -(-len(points) // 6))
    x_ticks = [Tick(x(i), points[i].on[:7]) for i in range(0, len(points), every)]
    y_ticks = [Tick(y(top_value * k // 4), format_pence(top_value * k // 4)) for k in range(5)]
    first, last = points[0].on, points[-1].on
    said = ", ".join(f"{line.label.lower()} {line.last}" for line in lines)
    description = f"From {first} to {last}, every {series.every}. On {last}: {said}."
    return Chart(
        WIDTH, HEIGHT, LEFT, TOP, plot_right, plot_bottom, lines, x_ticks, y_ticks, description
    )
