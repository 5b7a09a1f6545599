"""What the portal, the console and the visit email show: readings with their marks and charts.

Each function is a few queries whatever the number of readings, and returns
plain lists (templates never loop over ORM relations). Customers only see
readings of completed visits of their own account; everything is scoped to
the current tenant by :class:`core.models.base.TenantModel`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.models.jobs import Visit
from porchside_readings.chart import Chart, line_chart
from porchside_readings.models import Measure, Reading
from porchside_readings.values import LABELS, status

HISTORY = timedelta(days=366)  # how far back the chart on a visit's page looks


@dataclass(frozen=True)
class Value:
    """One reading as shown: the measure, the value and its mark."""

    measure: Measure
    milli: int
    status: str | None
    taken_at: datetime
    taken_by: str
    visit_id: str

    @property
    def mark(self) -> str:
        """``In range``, ``Low`` or ``High``; empty without a target."""
        return LABELS.get(self.status or "", "")


@dataclass(frozen=True)
class Series:
    """One measure over time: its values, how many missed the target, and the chart."""

    measure: Measure
    values: list[Value]
    chart: Chart

    @property
    def out_of_range(self) -> int:
        return sum(1 for v in self.values if v.status not in (None, "in_range"))

    @property
    def lowest(self) -> int:
        return min(v.milli for v in self.values)

    @property
    def highest(self) -> int:
        return max(v.milli for v in self.values)


def value_of(reading: Reading, measure: Measure, visit_id: str = "") -> Value:
    return Value(
        measure, reading.value_milli, status(reading.value_milli, measure.target_min_milli, measure.target_max_milli),
        reading.taken_at, reading.taken_by, visit_id,
    )


def series_of(measures: list[Measure], values: list[Value]) -> list[Series]:
    """A series per measure that has values, in the measures' order."""
    by_measure: dict[int, list[Value]] = defaultdict(list)
    for value in values:
        by_measure[value.measure.id].append(value)
    return [
        Series(m, by_measure[m.id], line_chart([(v.taken_at, v.milli, v.status) for v in by_measure[m.id]], m.target_min_milli, m.target_max_milli))
        for m in measures
        if by_measure[m.id]
    ]


async def visit_values(visit: Visit) -> list[Value]:
    """The readings of one visit in the measures' order (one query)."""
    rows = await Reading.filter(visit_id=visit.id).select_related("measure").order_by("measure__position", "measure__id")
    return [value_of(r, r.measure, visit.public_id) for r in rows]


async def account_series(
    account_id: int, low: datetime | None = None, high: datetime | None = None, measure_ids: list[int] | None = None, job_id: int | None = None
) -> list[Series]:
    """Readings of the account's completed visits (taken in ``[low, high]``, of one job), a series per measure (two queries)."""
    query = Reading.filter(visit__job__account_id=account_id, visit__completed_at__isnull=False)
    if low is not None:
        query = query.filter(taken_at__gte=low)
    if high is not None:
        query = query.filter(taken_at__lte=high)
    if job_id is not None:
        query = query.filter(visit__job_id=job_id)
    if measure_ids is not None:
        query = query.filter(measure_id__in=measure_ids)
    rows = await query.order_by("taken_at", "id").values("measure_id", "value_milli", "taken_at", "taken_by", "visit__public_id")
    if not rows:
        return []
    measures = {m.id: m for m in await Measure.filter(id__in={r["measure_id"] for r in rows}).order_by("position", "id")}
    values = [
        Value(
            measures[r["measure_id"]], r["value_milli"],
            status(r["value_milli"], measures[r["measure_id"]].target_min_milli, measures[r["measure_id"]].target_max_milli),
            r["taken_at"], r["taken_by"], r["visit__public_id"],
        )
        for r in rows
    ]
    return series_of(list(measures.values()), values)


async def visit_panel(visit: Visit, account_id: int) -> dict | None:
    """For a visit page: its values, and each measure over the year up to the visit; None without readings."""
    values = await visit_values(visit)
    if not values:
        return None
    until = max(v.taken_at for v in values)
    series = await account_series(account_id, until - HISTORY, until, [v.measure.id for v in values])
    return {"values": values, "series": series, "out_of_range": sum(1 for v in values if v.status in ("low", "high"))}
