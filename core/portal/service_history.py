"""Service history (W3, D3): completed visits in a date range, with their photos.

The list shows each visit's completion time, job, technician, summary, the
start of the technician's notes and its photos as thumbnails (last 12
months by default, in the business's calendar); a visit's page shows the
full notes and every shared photo and file. Only visits of the signed-in
account's jobs, only files staff shared. Plugins add sections at the end of
both pages (``porchside_page_sections``: ``portal_service_history`` gets the
dates shown, ``portal_visit`` the visit).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from quart import Blueprint, abort, g

from core.auth.current import login_required
from core.models.jobs import Attachment, Visit
from core.portal.contributions import portal_sections
from core.portal.pagination import DateRange, Sorter, date_range_arg, paginate
from core.portal.views import render_portal
from core.thumbnails import has_thumbnail
from core.web.rendering import tenant_today

blueprint = Blueprint("service", __name__)
blueprint.portal_section = "service_history"  # type: ignore[attr-defined]

SORTS = Sorter({"date": ("completed_at",)}, default="-date")
PER_PAGE = 10
LIST_PHOTOS = 4  # thumbnails per visit in the list; the visit's page has them all


def twelve_months_back(today: date) -> date:
    """The day after the same date last year, so the range is 12 months long."""
    try:
        return today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28) + timedelta(days=1)


def default_range() -> DateRange:
    today = tenant_today(g.portal.tenant)
    return date_range_arg(twelve_months_back(today), today)


async def _shared_files(visit_ids: list[int]) -> dict[int, list[Attachment]]:
    """Shared files of these visits, per visit, oldest first: one query."""
    by_visit: dict[int, list[Attachment]] = defaultdict(list)
    if visit_ids:
        for attachment in await Attachment.filter(visit_id__in=visit_ids, shared=True).order_by("created_at", "id"):
            by_visit[attachment.visit_id].append(attachment)
    return by_visit


@blueprint.get("/service-history", endpoint="history")
@login_required
async def history():
    portal = g.portal
    dates = default_range()
    low, high = dates.bounds(portal.tenant)
    sort = SORTS.parse()
    query = Visit.filter(job__account_id=portal.account.id, completed_at__gte=low, completed_at__lt=high)
    page = await paginate(query.select_related("job").order_by(*sort.order_by), per_page=PER_PAGE)
    files = await _shared_files([visit.id for visit in page.items])
    photos = {vid: [f for f in found if f.kind == "photo"] for vid, found in files.items()}
    return await render_portal(
        "portal/service_history.html",
        page=page,
        sort=sort,
        dates=dates,
        photos=photos,
        list_photos=LIST_PHOTOS,
        has_thumbnail=has_thumbnail,
        sections=[] if dates.error else await portal_sections("portal_service_history", dates, portal),
    )


@blueprint.get("/service-history/<visit_id>", endpoint="visit")
@login_required
async def visit(visit_id: str):
    found = await (
        Visit.filter(public_id=visit_id, job__account_id=g.portal.account.id, completed_at__isnull=False)
        .select_related("job")
        .first()
    )
    if found is None:
        abort(404)
    files = (await _shared_files([found.id])).get(found.id, [])
    return await render_portal(
        "portal/visit.html",
        visit=found,
        photos=[f for f in files if f.kind == "photo"],
        documents=[f for f in files if f.kind != "photo"],
        has_thumbnail=has_thumbnail,
        sections=await portal_sections("portal_visit", found, g.portal),
    )
