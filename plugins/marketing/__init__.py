"""Marketing plugin: job messages, open requests and links to the business's marketing site.

Registered through the ``porchside`` entry-point group like any third-party
plugin; it reaches core only through the hooks in :mod:`core.hookspecs`.
Its two halves keep their own models, routes and templates (and
:mod:`plugins.marketing.api` declares their read-only API resources):

* :mod:`plugins.marketing.messages`: one thread per job between the customer
  and the business, live through server-sent events (M1, M2);
* :mod:`plugins.marketing.requests`: "Request service" and the open requests
  tab of work history (M3), and the marketing and booking links in the
  portal's top bar (M4).

Each half's ``contributions`` module holds the records this module hands to
the host. ``docs/marketing.md`` says what customers and staff see.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.i18n import lazy_gettext
from core.plugin_parts import gather_records
from core.records import PluginInfo, StaticDir
from plugins.marketing import api
from plugins.marketing.messages import contributions as messages
from plugins.marketing.requests import contributions as requests

HERE = Path(__file__).parent
PARTS = (messages, requests, api)
gather_records(globals(), PARTS)


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="marketing",
        label=lazy_gettext("Marketing"),
        version="0.1.0",
        description=lazy_gettext("Job messages, open requests and links to the business's marketing site."),
        default_enabled=True,
    )


@hookimpl
def porchside_template_dirs():
    return [HERE / "templates"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="marketing", path=HERE / "static")]


@hookimpl
async def porchside_event(tenant, event):
    # Each part answers the events it knows and returns None for the others.
    handled = [await part.handle_event(tenant, event) for part in PARTS if hasattr(part, "handle_event")]
    return next((result for result in handled if result is not None), None)


@hookimpl
async def porchside_demo_seed(tenant, services, today):
    for part in PARTS:
        if hasattr(part, "seed_demo"):
            await part.seed_demo(tenant, services, today)


@hookimpl
def porchside_webhook_event_types():
    from plugins.marketing.webhook_events import EVENT_TYPES

    return EVENT_TYPES
