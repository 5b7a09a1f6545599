"""Warranty: a console page with its own navigation entry, and demo data.

On by default. Its console blueprint is named ``console_warranty`` (so it
stays open while a portal is switched off); its entry needs the
``settings`` permission, which the ``staff`` role lacks. Its demo hook
records what it was given and adds a note to the demo business's first job,
inside the tenant's scope.
"""

from __future__ import annotations

from quart import Blueprint

from core import hookimpl
from core.console.access import load_staff, staff_required
from core.models.jobs import Job, Note
from core.records import ConsoleLink, PluginInfo

# (tenant slug, today, services) for every demo seeding; tests clear it.
seeded: list[tuple[str, object, object]] = []
DEMO_NOTE = "Warranty registered with the manufacturer."

blueprint = Blueprint("console_warranty", __name__, url_prefix="/console/warranty")
blueprint.portal_section = None  # type: ignore[attr-defined]
blueprint.before_request(load_staff)


@blueprint.get("/")
@staff_required("settings")
async def index():
    return "warranty claims"


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="warranty", label="Warranty", default_enabled=True)


@hookimpl
def porchside_blueprints():
    return [blueprint]


@hookimpl
def porchside_console_links():
    return [ConsoleLink(id="warranty", label="Warranty claims", endpoint="console_warranty.index", order=45, permission="settings")]


@hookimpl
async def porchside_demo_seed(tenant, services, today):
    seeded.append((tenant.slug, today, services))
    job = await Job.all().order_by("id").first()
    await Note.create(job=job, body=DEMO_NOTE, author_name="Warranty", shared=True)
    return "warranty"
