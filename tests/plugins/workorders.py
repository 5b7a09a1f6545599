"""Work orders: a job tab, job and invoice actions, and a booking link in the header.

On by default. Its ``is_shown`` and ``url`` callbacks are async, so they
only work if the host awaits them (an un-awaited coroutine is truthy).
"""

from __future__ import annotations

from quart import Blueprint

from core import hookimpl
from core.auth.current import login_required
from core.records import Action, HeaderLink, JobTab, PluginInfo

blueprint = Blueprint("workorders", __name__)


@blueprint.get("/jobs/<job_id>/checklist")
@login_required
async def checklist(job_id: str):
    return f"checklist of {job_id}"


async def _completed(job, portal=None) -> bool:
    return job.status == "completed"


async def _booking_url(portal) -> str | None:
    # None hides the link: the business has no website to book on.
    return f"{portal.tenant.website}/book" if portal.tenant.website else None


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="workorders", label="Work orders", version="0.3.0", default_enabled=True)


@hookimpl
def porchside_blueprints():
    return [blueprint]


@hookimpl
def porchside_job_tabs():
    return [JobTab(id="checklist", label="Checklist", endpoint="workorders.checklist", order=40, is_shown=_completed)]


@hookimpl
def porchside_actions():
    return [
        Action(id="rebook", label="Book again", target="job", href=lambda job: f"/book?job={job.public_id}", is_shown=_completed, style="primary"),
        Action(id="receipt", label="Email receipt", target="invoice", href=lambda invoice: f"/receipts/{invoice.public_id}", method="post", order=20),
    ]


@hookimpl
def porchside_header_links():
    return [HeaderLink(id="booking", label="Book online", url=_booking_url, order=10)]
