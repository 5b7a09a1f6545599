"""A small line chart of one measure over time, drawn as SVG on the server.

:func:`line_chart` turns ``(time, value)`` points into coordinates; the
template ``readings/_chart.html`` draws them (with a title, a description
and the data table beside it), so no JavaScript is needed. The target
range is a shaded band; a point outside it is drawn as a hollow diamond,
so the shape says it as well as the colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 26


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    milli: int
    taken_at: datetime
    status: str | None


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[Point, ...]
    line: str  # the polyline's "x,y x,y ..."
    band: tuple[float, float] | None  # (y, height) of the target range, clipped to the plot
    ticks: tuple[tuple[float, int], ...]  # (y, value in thousandths) for the axis labels
    plot: tuple[float, float, float, float] = field(default=(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM))
    first: datetime | None = None
    last: datetime | None = None


def _bounds(values: list[int], low: int | None, high: int | None) -> tuple[int, int]:
    known = values + [v for v in (low, high) if v is not None]
    bottom, top = min(known), max(known)
    pad = (top - bottom) // 8 or max(abs(top) // 10, 1000)
    return bottom - pad, top + pad


def line_chart(points: list[tuple[datetime, int, str | None]], low: int | None = None, high: int | None = None) -> Chart:
    """Coordinates for ``points`` (time, thousandths, status) in time order, with the target band."""
    points = sorted(points, key=lambda p: p[0])
    px, py, pw, ph = LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not points:
        return Chart(WIDTH, HEIGHT, (), "", None, ())
    bottom, top = _bounds([p[1] for p in points], low, high)
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds()

    def y_of(milli: int) -> float:
        return round(py + ph - (milli - bottom) / (top - bottom) * ph, 1)

    def x_of(when: datetime) -> float:
        return round(px + (pw / 2 if span == 0 else (when - start).total_seconds() / span * pw), 1)

    drawn = tuple(Point(x_of(t), y_of(v), v, t, s) for t, v, s in points)
    band = None
    if low is not None or high is not None:
        band_top = y_of(min(high, top)) if high is not None else py
        band_bottom = y_of(max(low, bottom)) if low is not None else py + ph
        band = (band_top, round(band_bottom - band_top, 1))
    values = [p[1] for p in points]
    ticks = tuple((y_of(v), v) for v in sorted({v for v in (low, high) if v is not None} or {min(values), max(values)}))
    return Chart(
        WIDTH, HEIGHT, drawn, " ".join(f"{p.x},{p.y}" for p in drawn), band, ticks, first=start, last=end,
    )
