"""Demo data (``porchside_demo_seed``): measures and readings for both demo businesses.

Sunny Pools gets pool chemistry (free chlorine, pH, total alkalinity,
cyanuric acid, salt, water temperature); Pipeworks gets water pressure and
hot water temperature. Every completed visit gets a value of each measure,
drawn from a seeded generator so the demo is the same every time, with a
few values outside the target so the marks show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from core.models.jobs import Visit
from porchside_readings.models import Measure, Reading


@dataclass(frozen=True)
class DemoMeasure:
    name: str
    unit: str
    low: str | None  # target range, as typed
    high: str | None
    typical: tuple[str, str]  # values usually fall here
    decimals: int


POOL = (
    DemoMeasure("Free chlorine", "ppm", "1", "3", ("0.6", "3.6"), 1),
    DemoMeasure("pH", "", "7.2", "7.8", ("7.0", "8.0"), 1),
    DemoMeasure("Total alkalinity", "ppm", "80", "120", ("70", "130"), 0),
    DemoMeasure("Cyanuric acid", "ppm", "30", "50", ("25", "60"), 0),
    DemoMeasure("Salt", "ppm", "2700", "3400", ("2500", "3500"), 0),
    DemoMeasure("Water temperature", "°F", None, None, ("62", "88"), 0),
)
PLUMBING = (
    DemoMeasure("Water pressure", "psi", "40", "80", ("35", "90"), 0),
    DemoMeasure("Hot water temperature", "°F", "120", "140", ("112", "146"), 0),
)
DEMO_MEASURES = {"sunny-pools": POOL, "pipeworks": PLUMBING}


def _milli(text: str | None) -> int | None:
    return None if text is None else int(Decimal(text) * 1000)


def _draw(rng: random.Random, spec: DemoMeasure) -> int:
    low, high = Decimal(spec.typical[0]), Decimal(spec.typical[1])
    value = low + (high - low) * Decimal(str(round(rng.random(), 4)))
    return int(round(value, spec.decimals) * 1000)


async def seed_demo_readings(tenant) -> int:
    """Measures and readings for a demo business (inside its scope); how many readings were made."""
    specs = DEMO_MEASURES.get(tenant.slug)
    if not specs:
        return 0
    measures = [
        await Measure.create(name=s.name, unit=s.unit, target_min_milli=_milli(s.low), target_max_milli=_milli(s.high), position=10 * (n + 1))
        for n, s in enumerate(specs)
    ]
    rng = random.Random(tenant.slug)
    visits = await Visit.filter(completed_at__isnull=False).order_by("completed_at", "id")
    made = 0
    for visit in visits:
        for spec, measure in zip(specs, measures):
            await Reading.create(
                visit=visit, measure=measure, value_milli=_draw(rng, spec), taken_at=visit.completed_at, taken_by=visit.technician_name,
            )
            made += 1
    return made
