"""The audit log (S10): who did what, filterable, exportable as CSV. Admins and owners.

Every sign-in, link, invite, view-as, setting and back-office change is
recorded with :func:`core.audit.record`; this page reads them back. Filters
live in the URL (actor type, action or a family of actions such as
``staff.*``, actor, a date range in the business's time zone) and the CSV
export takes the same ones. Exported cells go through
:func:`core.portal.exports.safe_cell`, so an actor typed as ``=HYPERLINK(...)``
stays text in a spreadsheet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from quart import Blueprint, g, request
from tortoise.queryset import QuerySet

from core.audit import record
from core.console.access import staff_required
from core.console.shell import render_console
from core.i18n import gettext as _
from core.i18n import lazy_pgettext
from core.models.platform import AuditEvent
from core.portal.exports import csv_response
from core.portal.pagination import DateRange, choice_arg, date_range_arg, paginate
from core.web.rendering import tenant_today

blueprint = Blueprint("audit", __name__, url_prefix="/audit")

ACTOR_TYPES = ("customer", "staff", "system", "api")
DEFAULT_DAYS = 30
EXPORT_MAX = 100_000
FAMILY = re.compile(r"^[a-z0-9_]+\.\*$")
# Who acted, as the filter and the table name them.
ACTOR_TYPE_LABELS = {
    "customer": lazy_pgettext("audit actor", "Customer"),
    "staff": lazy_pgettext("audit actor", "Staff"),
    "system": lazy_pgettext("audit actor", "System"),
    "api": lazy_pgettext("audit actor", "API"),
}


def csv_header() -> tuple[str, ...]:
    """The export's column names, in the reader's language."""
    return (_("Time"), _("Actor type"), _("Actor"), _("Action"), _("Target"), _("IP address"), _("Detail"))


@dataclass(frozen=True)
class AuditFilters:
    actor_type: str
    action: str
    actor: str
    dates: DateRange

    def apply(self, query: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.actor_type:
            query = query.filter(actor_type=self.actor_type)
        if FAMILY.match(self.action):
            query = query.filter(action__startswith=self.action[:-1])
        elif self.action:
            query = query.filter(action=self.action)
        if self.actor:
            query = query.filter(actor__icontains=self.actor)
        low, high = self.dates.bounds(g.tenant)
        return query.filter(created_at__gte=low, created_at__lt=high)


def detail_text(event: AuditEvent) -> str:
    """The event's details as compact JSON, the same on the page and in the export."""
    return json.dumps(event.detail, sort_keys=True, ensure_ascii=False) if event.detail else ""


def read_filters() -> AuditFilters:
    today = tenant_today(g.tenant)
    return AuditFilters(
        actor_type=choice_arg("actor_type", ACTOR_TYPES),
        action=request.args.get("action", "").strip()[:60],
        actor=" ".join(request.args.get("actor", "").split())[:254],
        dates=date_range_arg(today - timedelta(days=DEFAULT_DAYS - 1), today),
    )


async def action_choices() -> list[tuple[str, str]]:
    """``(value, label)`` of the action filter: each family (``staff.*``) then each action."""
    actions = sorted(set(await AuditEvent.all().order_by("action").distinct().values_list("action", flat=True)))
    families = sorted({a.split(".", 1)[0] for a in actions if "." in a})
    patterns = [family + ".*" for family in families]
    return [(p, _("%(code)s (all actions)", code=p)) for p in patterns] + [(a, a) for a in actions]


@blueprint.get("/")
@staff_required("audit")
async def index():
    filters = read_filters()
    page = await paginate(filters.apply(AuditEvent.all()).order_by("-created_at", "-id"), per_page=50)
    return await render_console(
        "console/audit/index.html",
        filters=filters,
        page=page,
        actor_types=ACTOR_TYPES,
        actor_type_labels=ACTOR_TYPE_LABELS,
        actions=await action_choices(),
        detail_text=detail_text,
    )


@blueprint.get("/export.csv")
@staff_required("audit")
async def export():
    filters = read_filters()
    events = await filters.apply(AuditEvent.all()).order_by("created_at", "id").limit(EXPORT_MAX)
    zone = ZoneInfo(g.tenant.timezone)
    rows = [
        (
            event.created_at.astimezone(zone).isoformat(timespec="seconds"),
            event.actor_type,
            event.actor,
            event.action,
            event.target,
            event.ip,
            detail_text(event),
        )
        for event in events
    ]
    await record(
        "staff.audit_exported", actor_type="staff", actor=g.staff.email, rows=len(rows),
        start=filters.dates.start.isoformat(), end=filters.dates.end.isoformat(),
    )
    name = f"audit-{filters.dates.start.isoformat()}-{filters.dates.end.isoformat()}.csv"
    return csv_response(csv_header(), rows, name)
