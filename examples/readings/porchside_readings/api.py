"""The plugin's API resources, declared through ``porchside_api_resources`` like any plugin's.

``readings``: values taken at visits. An external system (a pool controller,
a technician app) POSTs ``{"visit": "vis_...", "measure": "msr_...",
"value": "7.4"}``; values travel as decimal strings so they stay exact
(stored as thousandths). One reading per measure and visit: a second POST
for the same pair is a 409 ``reading_exists`` (PATCH that reading, or
upsert with an ``external_id``). ``reading_measures`` lists what the
business measures (read only: measures are defined in the console).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator
from tortoise.exceptions import IntegrityError

from core.api.errors import ApiError
from core.api.fields import ExternalId, PublicId, text
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, apply_changes, fields_set
from core.i18n import lazy_gettext
from core.models.jobs import Visit
from porchside_readings.models import Measure, Reading
from porchside_readings.values import api_value, plain, status

class MeasureOut(ApiModel):
    """Something the business measures at visits, with its target range."""

    id: str = Field(description="Public id, starts with msr_.")
    object: Literal["reading_measure"] = "reading_measure"
    name: str
    unit: str
    target_min: str | None = Field(description="Lowest value in range, as a decimal string; null: no lower bound.")
    target_max: str | None = Field(description="Highest value in range, as a decimal string; null: no upper bound.")
    position: int
    active: bool = Field(description="Whether technicians are asked for it on visits.")
    created_at: datetime
    updated_at: datetime | None


def serialize_measure(row: Measure) -> dict[str, Any]:
    return {
        "id": row.public_id, "name": row.name, "unit": row.unit,
        "target_min": plain(row.target_min_milli) or None, "target_max": plain(row.target_max_milli) or None,
        "position": row.position, "active": row.active, "created_at": row.created_at, "updated_at": row.updated_at,
    }


class ReadingOut(ApiModel):
    """One value of one measure taken at a visit."""

    id: str = Field(description="Public id, starts with rdg_.")
    object: Literal["reading"] = "reading"
    visit: str
    measure: str
    measure_name: str
    unit: str
    value: str = Field(description="The value as a decimal string, exact to three decimals (\"7.4\").")
    in_range: bool | None = Field(description="Against the measure's target; null when it has none.")
    status: Literal["in_range", "low", "high"] | None
    taken_at: datetime
    taken_by: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


def _checked_value(value: str) -> str:
    api_value(value)  # its ValueError names the problem
    return value


class ReadingCreate(ApiModel):
    visit: PublicId
    measure: PublicId
    value: str = Field(description="A decimal string: \"7.4\", \"-2\", \"3200\"; at most 3 decimals.", max_length=20)
    taken_at: AwareDatetime | None = Field(default=None, description="Default: when the visit was completed, else now.")
    taken_by: text(200) = ""  # type: ignore[valid-type]
    external_id: ExternalId | None = None

    @field_validator("value")
    @classmethod
    def _exact(cls, value: str) -> str:
        return _checked_value(value)


class ReadingUpdate(ApiModel):
    value: str = Field(default=None, max_length=20)  # type: ignore[assignment]
    taken_at: AwareDatetime = None  # type: ignore[assignment]
    taken_by: text(200) = None  # type: ignore[valid-type,assignment]
    external_id: ExternalId | None = None

    @field_validator("value")
    @classmethod
    def _exact(cls, value: str | None) -> str | None:
        return value if value is None else _checked_value(value)


async def prepare_readings(rows: list[Reading]) -> None:
    """Visit ids and measures of a page of readings: two queries."""
    visits = await public_ids(Visit, {r.visit_id for r in rows})
    measures = {m.id: m for m in await Measure.filter(id__in={r.measure_id for r in rows})} if rows else {}
    for row in rows:
        row._api_visit = visits.get(row.visit_id, "")  # type: ignore[attr-defined]
        row._api_measure = measures[row.measure_id]  # type: ignore[attr-defined]


def serialize_reading(row: Reading) -> dict[str, Any]:
    measure: Measure = row._api_measure  # type: ignore[attr-defined]
    mark = status(row.value_milli, measure.target_min_milli, measure.target_max_milli)
    return {
        "id": row.public_id, "visit": row._api_visit, "measure": measure.public_id, "measure_name": measure.name,  # type: ignore[attr-defined]
        "unit": measure.unit, "value": plain(row.value_milli), "in_range": None if mark is None else mark == "in_range",
        "status": mark, "taken_at": row.taken_at, "taken_by": row.taken_by, "external_id": row.external_id,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def create_reading(ctx: ApiContext, data: ReadingCreate) -> Reading:
    visit = await referenced(Visit, data.visit, "visit", "visit")
    measure = await referenced(Measure, data.measure, "measure", "measure")
    if await Reading.filter(visit_id=visit.id, measure_id=measure.id).exists():
        raise ApiError(409, "reading_exists", f"Visit {visit.public_id} has a {measure.name} reading already: PATCH it instead.", param="measure")
    taken_at = data.taken_at or visit.completed_at or datetime.now(timezone.utc)
    try:
        return await Reading.create(
            visit=visit, measure=measure, value_milli=api_value(data.value), taken_at=taken_at,
            taken_by=data.taken_by or visit.technician_name, external_id=data.external_id,
        )
    except IntegrityError:  # the same pair posted at the same moment
        raise ApiError(409, "reading_exists", f"Visit {visit.public_id} has a {measure.name} reading already: PATCH it instead.", param="measure") from None


async def update_reading(ctx: ApiContext, row: Reading, data: ReadingUpdate | ReadingCreate) -> Reading:
    values = fields_set(data, exclude=("value", "visit", "measure"))
    if isinstance(data, ReadingCreate) and (data.visit, data.measure) != (await _pair(row)):
        raise ApiError(422, "validation_failed", "An upsert cannot move a reading to another visit or measure.", param="visit")
    if "value" in data.model_fields_set and data.value is not None:
        values["value_milli"] = api_value(data.value)
    if "taken_at" in values and values["taken_at"] is None:
        raise ApiError(422, "validation_failed", "taken_at cannot be null.", param="taken_at")
    if apply_changes(row, values):
        await row.save()
    return row


async def _pair(row: Reading) -> tuple[str, str]:
    visit = await Visit.filter(id=row.visit_id).values_list("public_id", flat=True)
    measure = await Measure.filter(id=row.measure_id).values_list("public_id", flat=True)
    return visit[0], measure[0]


async def delete_reading(ctx: ApiContext, row: Reading) -> None:
    await row.delete()


READINGS = ApiResource(
    name="readings",
    object="reading",
    model=Reading,
    schema=ReadingOut,
    serialize=serialize_reading,
    prepare=prepare_readings,
    create_schema=ReadingCreate,
    create=create_reading,
    update_schema=ReadingUpdate,
    update=update_reading,
    delete=delete_reading,
    filters=(
        Filter("visit", "visit__public_id", description="Readings of this visit."),
        Filter("measure", "measure__public_id", description="Readings of this measure."),
    ),
    title=lazy_gettext("Readings"),
    description=lazy_gettext("Values measured at visits (readings plugin). Customers see them on the visit's page, marked against the target."),
    order=150,
)

MEASURES = ApiResource(
    name="reading_measures",
    object="reading_measure",
    model=Measure,
    schema=MeasureOut,
    serialize=serialize_measure,
    filters=(Filter("active", "active", kind="boolean", description="Only measures asked for (true) or switched off (false)."),),
    title=lazy_gettext("Readings: measures"),
    description=lazy_gettext("What the business measures at visits, with units and target ranges (readings plugin). Defined in the console."),
    order=151,
)

API_RESOURCES = [READINGS, MEASURES]
