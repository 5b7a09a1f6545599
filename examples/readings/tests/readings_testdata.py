"""Test data of the readings plugin: a pool customer with completed visits and the business's measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core.models.jobs import Job, Visit
from porchside_readings.models import Measure, Reading

PAT = "pat@example.com"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Pool:
    account: object
    job: Job
    visits: list[Visit]  # completed, oldest first
    upcoming: Visit  # not completed yet
    chlorine: Measure
    ph: Measure
    temperature: Measure  # no target


async def make_pool(tenant, make_customer, in_tenant, name: str = "Pat's Pool", email: str = PAT) -> Pool:
    account = await make_customer(tenant, name, emails=[email])
    with in_tenant(tenant):
        job = await Job.create(account=account, number=f"J-{name[:3]}", title="Weekly pool service", status="in_progress")
        visits = [
            await Visit.create(job=job, completed_at=NOW - timedelta(days=days), technician_name="Sam Rivera", summary=f"Service {n}")
            for n, days in enumerate((21, 14, 7))
        ]
        upcoming = await Visit.create(job=job, scheduled_at=NOW + timedelta(days=7))
        chlorine = await Measure.create(name="Free chlorine", unit="ppm", target_min_milli=1000, target_max_milli=3000, position=10)
        ph = await Measure.create(name="pH", unit="", target_min_milli=7200, target_max_milli=7800, position=20)
        temperature = await Measure.create(name="Water temperature", unit="°F", position=30)
    return Pool(account, job, visits, upcoming, chlorine, ph, temperature)


async def add_readings(tenant, in_tenant, visit: Visit, **values: tuple[Measure, int]) -> list[Reading]:
    with in_tenant(tenant):
        return [
            await Reading.create(visit=visit, measure=measure, value_milli=milli, taken_at=visit.completed_at or NOW)
            for measure, milli in values.values()
        ]


