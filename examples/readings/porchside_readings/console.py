"""Staff pages: the business's measures (a settings page) and the readings of a visit.

``/console/readings/measures`` lists and edits what technicians measure:
name, unit, target range, order, and whether it is still asked for.
``/console/readings/visits/<visit>`` takes one value per measure for a
visit (an empty field removes a value), and emails the visit's report with
its readings to the customer. Core's console visit page gets a Readings
section linking there through ``porchside_page_sections``
(:data:`PAGE_SECTIONS`, loaded by :func:`visit_section`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from quart import g, request, url_for
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.audit import record
from core.console.pages import (
    Column, Field, FormPage, FormRefused, ListPage, actor, console_blueprint, notice, object_or_404, render_console,
    staff_required, with_done,
)
from core.console.form_fields import FormReader, datetime_input
from core.i18n import gettext as _, lazy_gettext
from core.models.jobs import Visit
from core.records import ConsoleLink, PageSection
from core.services import current_services
from porchside_readings.emails import email_visit_report
from porchside_readings.models import Measure, Reading
from porchside_readings.panels import visit_values
from porchside_readings.values import parse_value, plain

MEASURES_PERMISSION = "plugins"  # defining measures is the plugin's configuration (admins)
READINGS_PERMISSION = "back_office"  # entering readings is work on a job (all staff)
MAX_MEASURES = 50

blueprint = console_blueprint("console_readings", __name__, url_prefix="/console/readings")

CONSOLE_LINKS = [ConsoleLink(id="readings", label=lazy_gettext("Readings"), endpoint="console_readings.measures", order=65, permission=MEASURES_PERMISSION)]

NOTICES = {
    "created": lazy_gettext("Measure added."),
    "saved": lazy_gettext("Measure saved."),
    "readings_saved": lazy_gettext("Readings saved."),
    "emailed": lazy_gettext("The visit report was emailed to the customer."),
}


# -- measures -----------------------------------------------------------------------

MEASURES = ListPage(
    model=Measure,
    template="readings/console/measures.html",
    title=lazy_gettext("Readings: measures"),
    noun=(lazy_gettext("measure"), lazy_gettext("measures")),
    show_label=lazy_gettext("Show measures"),
    columns=(
        Column("name", lazy_gettext("Measure"), sort=("name", "id"), csv=lambda m: m.name),
        Column("unit", lazy_gettext("Unit"), csv=lambda m: m.unit),
        Column("target_min", lazy_gettext("Lowest target"), numeric=True, csv=lambda m: plain(m.target_min_milli)),
        Column("target_max", lazy_gettext("Highest target"), numeric=True, csv=lambda m: plain(m.target_max_milli)),
        Column("position", lazy_gettext("Order"), sort=("position", "id"), numeric=True, csv=lambda m: m.position),
        Column("active", lazy_gettext("Asked on visits"), csv=lambda m: "yes" if m.active else "no"),
    ),
    default_sort="position",
    csv_name="reading-measures",
    empty=lazy_gettext("No measures yet. Add what your technicians measure: free chlorine and pH for pools, water pressure for plumbing."),
)


def _check_targets(data: dict[str, Any], reader: FormReader) -> None:
    """Targets as exact thousandths (``target_min_milli``, ``target_max_milli``), lowest not above highest."""
    for name, label in (("target_min", _("The lowest target")), ("target_max", _("The highest target"))):
        data[f"{name}_milli"] = None
        if data[name]:
            try:
                data[f"{name}_milli"] = parse_value(data[name], g.tenant.locale)
            except ValueError as exc:
                reader.fail(name, _("%(field)s: %(problem)s", field=label, problem=exc))
    low, high = data["target_min_milli"], data["target_max_milli"]
    if low is not None and high is not None and low > high:
        reader.fail("target_max", _("The highest target must not be below the lowest."))


MEASURE_FORM = FormPage(
    template="readings/console/measure.html",
    title=lazy_gettext("Add a measure"),
    fields=(
        Field("name", lazy_gettext("Name"), required=True, max_length=100, hint=lazy_gettext("What is measured, e.g. “Free chlorine” or “Water pressure”.")),
        Field("unit", lazy_gettext("Unit"), max_length=20, hint=lazy_gettext("Shown after each value: ppm, bar, °C. Leave it empty for a number without a unit, like pH.")),
        Field("target_min", lazy_gettext("Lowest target"), max_length=20, hint=lazy_gettext("Optional. Values below it are marked Low.")),
        Field("target_max", lazy_gettext("Highest target"), max_length=20, hint=lazy_gettext("Optional. Values above it are marked High.")),
        Field("position", lazy_gettext("Order"), kind="number", low=0, high=9999, hint=lazy_gettext("Smaller numbers come first in forms, pages and emails.")),
        Field("active", lazy_gettext("Ask for this measure on visits"), kind="checkbox", hint=lazy_gettext("Switch it off to stop asking for it; readings already taken stay.")),
    ),
    audit="readings.measure_created",
    submit_label=lazy_gettext("Add measure"),
    check=_check_targets,
)
EDIT_FORM = replace(
    MEASURE_FORM, title=lazy_gettext("Edit the measure"), audit="readings.measure_updated", submit_label=lazy_gettext("Save measure")
)


def _measure_values(measure: Measure) -> dict[str, str]:
    return {
        "name": measure.name, "unit": measure.unit, "target_min": plain(measure.target_min_milli),
        "target_max": plain(measure.target_max_milli), "position": str(measure.position), "active": "on" if measure.active else "",
    }


async def _save_measure(measure: Measure | None, data: dict[str, Any]) -> Measure:
    """Create or update; a name another measure has is refused under the name field."""
    fields = {
        "name": data["name"], "unit": data["unit"], "target_min_milli": data["target_min_milli"],
        "target_max_milli": data["target_max_milli"], "position": data["position"] or 0, "active": data["active"],
    }
    clash = Measure.filter(name=fields["name"])
    if measure is not None:
        clash = clash.exclude(id=measure.id)
    elif await Measure.all().count() >= MAX_MEASURES:
        raise FormRefused("name", _("A business may define up to %(max)d measures: switch one off and rename it instead.", max=MAX_MEASURES))
    if await clash.exists():
        raise FormRefused("name", _("A measure named “%(name)s” exists already.", name=fields["name"]))
    try:
        if measure is None:
            return await Measure.create(**fields)
        for key, value in fields.items():
            setattr(measure, key, value)
        await measure.save()
        return measure
    except IntegrityError:  # the same name saved at the same moment
        raise FormRefused("name", _("A measure named “%(name)s” exists already.", name=fields["name"])) from None


@blueprint.get("/measures")
@staff_required(MEASURES_PERMISSION)
async def measures():
    return await MEASURES.respond(notice=notice(NOTICES))


@blueprint.route("/measures/new", methods=["GET", "POST"])
@staff_required(MEASURES_PERMISSION)
async def new_measure():
    if request.method == "GET":
        return await MEASURE_FORM.show({"active": "on"})
    return await MEASURE_FORM.submit(
        lambda data: _save_measure(None, data), done_url=lambda _: url_for("console_readings.measures"), done="created",
        audit_detail=lambda m: {"name": m.name},
    )


@blueprint.route("/measures/<measure_id>", methods=["GET", "POST"])
@staff_required(MEASURES_PERMISSION)
async def measure(measure_id: str):
    found = await object_or_404(Measure, measure_id)
    if request.method == "GET":
        return await EDIT_FORM.show(_measure_values(found), measure=found)
    return await EDIT_FORM.submit(
        lambda data: _save_measure(found, data), done_url=lambda _: url_for("console_readings.measures"),
        audit_detail=lambda m: {"name": m.name}, measure=found,
    )


# -- readings of a visit ----------------------------------------------------------------


async def _asked(visit: Visit) -> tuple[list[Measure], dict[int, Reading]]:
    """Active measures, plus switched-off ones this visit has a value for; the visit's readings by measure."""
    readings = {r.measure_id: r for r in await Reading.filter(visit_id=visit.id)}
    measures = [m for m in await Measure.all().order_by("position", "id") if m.active or m.id in readings]
    return measures, readings


def field_name(measure: Measure) -> str:
    return f"value_{measure.public_id}"


def _target_hint(measure: Measure) -> str:
    unit = f" {measure.unit}" if measure.unit else ""
    low, high = plain(measure.target_min_milli), plain(measure.target_max_milli)
    if low and high:
        return _("Target %(range)s.", range=f"{low}–{high}{unit}")
    if low:
        return _("Target at least %(amount)s.", amount=f"{low}{unit}")
    if high:
        return _("Target at most %(amount)s.", amount=f"{high}{unit}")
    return ""


def readings_form(measures: list[Measure]) -> FormPage:
    """The visit's form: a value field per measure asked (fields differ per business and visit)."""

    def check(data: dict[str, Any], reader: FormReader) -> None:
        data["typed"] = {}
        for m in measures:
            raw = data[field_name(m)]
            try:
                data["typed"][m.id] = parse_value(raw, g.tenant.locale) if raw else None
            except ValueError as exc:
                reader.fail(field_name(m), _("%(field)s: %(problem)s", field=m.name, problem=exc))
        data["taken_at"] = reader.local_datetime("taken_at", _("The time taken"))
        data["taken_by"] = reader.text("taken_by", _("Taken by"), max_length=200)

    fields = tuple(
        Field(field_name(m), m.name + (f" ({m.unit})" if m.unit else ""), max_length=20, hint=_target_hint(m)) for m in measures
    )
    return FormPage(
        template="readings/console/visit.html", title=_("Readings"), fields=fields, audit="readings.saved",
        submit_label=_("Save readings"), check=check,
    )


async def _visit_context(visit: Visit) -> dict[str, Any]:
    return {"visit": visit, "job": visit.job, "account": visit.job.account, "shown": await visit_values(visit), "notice": notice(NOTICES)}


@blueprint.route("/visits/<visit_id>", methods=["GET", "POST"])
@staff_required(READINGS_PERMISSION)
async def visit(visit_id: str):
    found = await object_or_404(Visit, visit_id, "job__account")
    measures, readings = await _asked(found)
    form = readings_form(measures)
    if request.method == "GET":
        values = {field_name(m): plain(readings[m.id].value_milli) for m in measures if m.id in readings}
        taken = next(iter(readings.values()), None)
        values["taken_at"] = datetime_input(taken.taken_at if taken else found.completed_at, g.tenant)
        values["taken_by"] = taken.taken_by if taken else found.technician_name
        return await form.show(values, **await _visit_context(found))

    async def save(data: dict[str, Any]) -> Visit:
        taken_at = data["taken_at"] or found.completed_at or datetime.now(timezone.utc)
        found.changed_measures = await _store(found, measures, readings, data["typed"], taken_at, data["taken_by"])  # type: ignore[attr-defined]
        return found

    return await form.submit(
        save, done_url=lambda v: url_for("console_readings.visit", visit_id=v.public_id), done="readings_saved",
        audit_detail=lambda v: {"changed": v.changed_measures}, **await _visit_context(found),
    )


async def _store(visit: Visit, measures: list[Measure], readings: dict[int, Reading], typed: dict[int, int | None], taken_at: datetime, taken_by: str) -> list[str]:
    """Write the typed values in one transaction; the names of the measures that changed."""
    changed = []
    async with in_transaction():
        for m in measures:
            value, existing = typed.get(m.id), readings.get(m.id)
            if value is None:
                if existing is not None:
                    await existing.delete()
                    changed.append(m.name)
            elif existing is None:
                await Reading.create(visit=visit, measure=m, value_milli=value, taken_at=taken_at, taken_by=taken_by)
                changed.append(m.name)
            elif (existing.value_milli, existing.taken_at, existing.taken_by) != (value, taken_at, taken_by):
                existing.value_milli, existing.taken_at, existing.taken_by = value, taken_at, taken_by
                await existing.save()
                changed.append(m.name)
    return changed


@blueprint.post("/visits/<visit_id>/email")
@staff_required(READINGS_PERMISSION)
async def email(visit_id: str):
    """Email the visit report with its readings to every address of the customer."""
    found = await object_or_404(Visit, visit_id, "job__account")
    problem = None
    if found.completed_at is None:
        problem = _("Mark the visit completed before emailing its report: customers only see completed visits.")
    else:
        sent = await email_visit_report(current_services(), found, sent_by=f"staff:{actor()}")
        if not sent:
            problem = _("The customer has no email address to send the report to.")
    if problem:
        measures, _readings = await _asked(found)
        return await readings_form(measures).show({}, {"email": problem}, 400, **await _visit_context(found))
    await record("readings.report_emailed", actor_type="staff", actor=actor(), target=found.public_id, recipients=sent)
    return with_done(url_for("console_readings.visit", visit_id=found.public_id), "emailed")


async def visit_section(visit: Visit, staff) -> dict | None:
    """For core's console visit page: the visit's values and the form's address; None while nothing is measured."""
    shown = await visit_values(visit)
    if not shown and not await Measure.filter(active=True).exists():
        return None
    return {"values": shown, "url": url_for("console_readings.visit", visit_id=visit.public_id)}


PAGE_SECTIONS = [
    PageSection(id="readings_console_visit", page="console_visit", title=lazy_gettext("Readings"), template="readings/sections/console_visit.html",
                load=visit_section, permission=READINGS_PERMISSION),
]
