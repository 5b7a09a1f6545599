"""Customer pages: readings on a visit's page, on Service history, and a job tab.

The visit's page and Service history get a Readings section at their end
through ``porchside_page_sections`` (:data:`PAGE_SECTIONS`): core calls the
loaders only where the plugin is on, and draws the card around the
plugin's ``templates/readings/sections/*.html``. The job page gets a
"Readings" tab through ``porchside_job_tabs``.
"""

from __future__ import annotations

from quart import Blueprint, abort, g

from core.auth.current import login_required
from core.i18n import lazy_gettext
from core.models.jobs import Job, Visit
from core.portal.views import render_portal
from core.records import JobTab, PageSection
from porchside_readings.models import Reading
from porchside_readings.panels import account_series, visit_panel

blueprint = Blueprint("readings", __name__)
blueprint.portal_section = "work_history"  # type: ignore[attr-defined]  # the job tab lives in Work history


async def visit_section(visit: Visit, portal) -> dict | None:
    """The visit's values and each measure over the year up to it; None (no section) without readings."""
    return await visit_panel(visit, portal.account.id)


async def history_section(dates, portal) -> dict | None:
    """A series per measure over the dates Service history shows (``dates``, a DateRange); None without readings."""
    low, high = dates.bounds(portal.tenant)
    series = await account_series(portal.account.id, low, high)
    return {"series": series} if series else None


STYLES = ("readings/readings.css",)
PAGE_SECTIONS = [
    PageSection(id="readings_visit", page="portal_visit", title=lazy_gettext("Readings"), template="readings/sections/visit.html",
                load=visit_section, stylesheets=STYLES),
    PageSection(id="readings_history", page="portal_service_history", title=lazy_gettext("Readings over these dates"),
                template="readings/sections/history.html", load=history_section, stylesheets=STYLES),
]


async def job_has_readings(job: Job, portal) -> bool:
    return await Reading.filter(visit__job_id=job.id, visit__completed_at__isnull=False).exists()


JOB_TABS = [JobTab(id="readings", label=lazy_gettext("Readings"), endpoint="readings.job", order=60, is_shown=job_has_readings)]


@blueprint.get("/jobs/<job_id>/readings")
@login_required
async def job(job_id: str):
    """The job tab: every measure over the job's completed visits."""
    found = await Job.get_or_none(public_id=job_id, account_id=g.portal.account.id)
    if found is None:
        abort(404)
    series = await account_series(g.portal.account.id, job_id=found.id)
    return await render_portal("readings/job.html", job=found, series=series)
