"""Sections: a section on each page that takes one (``porchside_page_sections``) and a visit button.

On by default. Each loader records ``(section id, tenant slug, object id)``
in :data:`loaded`, so a test can tell it was never called for a tenant that
disabled the plugin. ``pool_log`` leaves itself out for a visit summed up
"nothing to say"; ``broken`` always raises; ``pay_notes`` needs the
``money`` permission, which the ``staff`` role lacks.
"""

from __future__ import annotations

from pathlib import Path

from quart import g

from core import hookimpl
from core.records import ConsoleAction, PageSection, PluginInfo, StaticDir

HERE = Path(__file__).parent
loaded: list[tuple[str, str, str]] = []


def _seen(section: str, obj_id: str) -> None:
    loaded.append((section, g.tenant.slug, obj_id))


async def pool_log(visit, portal):
    _seen("pool_log", visit.public_id)
    if visit.summary == "nothing to say":
        return None
    return {"summary": visit.summary, "customer": portal.account.name, "job": visit.job.title}


async def dates_shown(dates, portal):
    _seen("dates_shown", f"{dates.start}..{dates.end}")
    return {"start": dates.start, "end": dates.end, "customer": portal.account.name}


def staff_visit(visit, staff):
    _seen("staff_visit", visit.public_id)
    return {"summary": visit.summary, "customer": visit.job.account.name, "staff": staff.email}


async def pay_notes(job, staff):
    _seen("pay_notes", job.public_id)
    return {"title": job.title}


async def broken(visit, portal):
    raise RuntimeError("the pool log is unreachable")


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="sections", label="Sections", default_enabled=True)


@hookimpl
def porchside_page_sections():
    return [
        PageSection(id="pool_log", page="portal_visit", title="Pool log", template="sections/pool_log.html",
                    load=pool_log, order=20, stylesheets=("sections/sections.css",)),
        PageSection(id="broken", page="portal_visit", title="Broken", template="sections/pool_log.html", load=broken, order=10),
        PageSection(id="dates_shown", page="portal_service_history", title="Dates shown", template="sections/dates.html", load=dates_shown),
        PageSection(id="staff_visit", page="console_visit", title="Pool log (staff)", template="sections/staff_visit.html",
                    load=staff_visit, permission="back_office"),
        PageSection(id="pay_notes", page="console_job", title="Payment notes", template="sections/pay_notes.html",
                    load=pay_notes, permission="money"),
    ]


@hookimpl
def porchside_console_actions():
    return [
        ConsoleAction(id="resend_log", label="Resend the pool log", target="visit", permission="back_office",
                      href=lambda visit: f"/console/visits/{visit.public_id}#resend", is_shown=lambda visit, staff: visit.completed_at is not None),
    ]


@hookimpl
def porchside_template_dirs():
    return [HERE / "templates"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="sections", path=HERE / "static")]
