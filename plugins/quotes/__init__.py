"""Quotes plugin: estimates customers can view, download, approve, reject or question.

Registered through the ``porchside`` entry-point group like any third-party
plugin, it reaches core only through the hooks in :mod:`core.hookspecs`:
its own tables (``porchside_model_apps``), a portal tab, a job tab and
actions, home card, routes and templates for the portal and the console, a
console navigation entry, settings, demo data, and the event hook that
tells staff about decisions. ``docs/quotes.md`` says what customers and
staff see and the rules.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.i18n import lazy_gettext
from core.records import ModelApp, PluginInfo, StaticDir
from plugins.quotes import contributions
from plugins.quotes.console import blueprint as console_blueprint
from plugins.quotes.demo import seed_demo_quotes
from plugins.quotes.notify import handle_event
from plugins.quotes.portal import blueprint as portal_blueprint
from plugins.quotes.settings import FIELDS

HERE = Path(__file__).parent


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="quotes",
        label=lazy_gettext("Quotes"),
        version="0.1.0",
        description=lazy_gettext("Estimates customers can view, download, approve, reject or question."),
        default_enabled=True,
    )


@hookimpl
def porchside_model_apps():
    return [ModelApp(label="quotes", modules=("plugins.quotes.models",), migrations="plugins.quotes.migrations")]


@hookimpl
def porchside_nav_tabs():
    return contributions.NAV_TABS


@hookimpl
def porchside_job_tabs():
    return contributions.JOB_TABS


@hookimpl
def porchside_actions():
    return contributions.ACTIONS


@hookimpl
def porchside_home_cards():
    return contributions.HOME_CARDS


@hookimpl
def porchside_console_links():
    return contributions.CONSOLE_LINKS


@hookimpl
def porchside_blueprints():
    return [portal_blueprint, console_blueprint]


@hookimpl
def porchside_template_dirs():
    return [HERE / "templates"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="quotes", path=HERE / "static")]


@hookimpl
def porchside_settings_fields():
    return FIELDS


@hookimpl
async def porchside_event(tenant, event):
    return await handle_event(tenant, event)


@hookimpl
async def porchside_demo_seed(tenant, today):
    return await seed_demo_quotes(tenant, today)


@hookimpl
def porchside_webhook_event_types():
    from plugins.quotes.webhook_events import EVENT_TYPES

    return EVENT_TYPES


@hookimpl
def porchside_api_resources():
    from plugins.quotes.api import QUOTES

    return [QUOTES]
