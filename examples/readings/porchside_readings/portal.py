"""Customer pages: readings on a visit's page, on Service history, and a job tab.

Core's visit and Service history pages have no slot for plugins, so the
plugin overrides their templates (``templates/portal/visit.html`` and
``service_history.html`` extend core's originals, adding a section at the
end) and gives them two template globals that load the data only where
they are used: :func:`readings_for_visit` and :func:`readings_over`. Both
return nothing where the plugin is off, so those tenants see core's pages
unchanged. The job page gets a "Readings" tab through ``porchside_job_tabs``.
"""

from __future__ import annotations

from quart import Blueprint, abort, g

from core.auth.current import login_required
from core.models.jobs import Job, Visit
from core.portal.views import render_portal
from core.records import JobTab
from porchside_readings.models import Reading
from porchside_readings.panels import account_series, visit_panel

NAME = "readings"

blueprint = Blueprint("readings", __name__)
blueprint.portal_section = "work_history"  # type: ignore[attr-defined]  # the job tab lives in Work history


def _portal():
    """The signed-in customer's portal where this plugin is on, else None."""
    portal = g.get("portal")
    if portal is None or portal.account is None or NAME not in portal.enabled_plugins:
        return None
    return portal


@blueprint.app_template_global("readings_for_visit")
async def readings_for_visit(visit: Visit) -> dict | None:
    """``{% set readings = readings_for_visit(visit) %}`` on the portal's visit page."""
    portal = _portal()
    if portal is None or visit.completed_at is None:
        return None
    return await visit_panel(visit, portal.account.id)


@blueprint.app_template_global("readings_over")
async def readings_over(dates) -> list:
    """A series per measure over the Service history page's date range (``dates``, a DateRange)."""
    portal = _portal()
    if portal is None or dates.error:
        return []
    low, high = dates.bounds(portal.tenant)
    return await account_series(portal.account.id, low, high)


async def job_has_readings(job: Job, portal) -> bool:
    return await Reading.filter(visit__job_id=job.id, visit__completed_at__isnull=False).exists()


JOB_TABS = [JobTab(id="readings", label="Readings", endpoint="readings.job", order=60, is_shown=job_has_readings)]


@blueprint.get("/jobs/<job_id>/readings")
@login_required
async def job(job_id: str):
    """The job tab: every measure over the job's completed visits."""
    found = await Job.get_or_none(public_id=job_id, account_id=g.portal.account.id)
    if found is None:
        abort(404)
    series = await account_series(g.portal.account.id, job_id=found.id)
    return await render_portal("readings/job.html", job=found, series=series)
