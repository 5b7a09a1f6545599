"""Readings: field readings per visit, a Porchside plugin built on the public plugin API only.

Each business defines what its technicians measure (free chlorine and pH
for a pool, water pressure for a plumber) with units and target ranges;
technicians enter values on a visit in the console, or an external system
posts them to ``/api/v1/readings``. Customers see them on the visit's page,
on Service history and on a job tab, marked In range / Low / High, with a
small server-rendered SVG chart over time and its data table, and in the
visit report email.

Installed with ``pip install porchside-readings``; found through the
``porchside`` entry-point group as ``readings``. README.md says more.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.i18n import lazy_gettext
from core.records import ModelApp, PluginInfo, StaticDir

HERE = Path(__file__).parent
__version__ = "0.1.0"


@hookimpl
def porchside_plugin_info():
    return PluginInfo(
        name="readings",
        label=lazy_gettext("Readings"),
        version=__version__,
        description=lazy_gettext(
            "Measurements taken at visits (pool chemistry, water pressure), shown to customers against their target range."
        ),
        default_enabled=True,  # so the demo shows it; a business turns it off on the console's Plugins page
        requires=">=0.1,<0.2",  # the Porchside versions it was built and tested against
    )


@hookimpl
def porchside_model_apps():
    return [ModelApp(label="readings", modules=("porchside_readings.models",), migrations="porchside_readings.migrations")]


@hookimpl
def porchside_blueprints():
    from porchside_readings.console import blueprint as console_blueprint
    from porchside_readings.portal import blueprint as portal_blueprint

    return [portal_blueprint, console_blueprint]


@hookimpl
def porchside_job_tabs():
    from porchside_readings.portal import JOB_TABS

    return JOB_TABS


@hookimpl
def porchside_page_sections():
    from porchside_readings.console import PAGE_SECTIONS as CONSOLE_SECTIONS
    from porchside_readings.portal import PAGE_SECTIONS as PORTAL_SECTIONS

    return PORTAL_SECTIONS + CONSOLE_SECTIONS


@hookimpl
def porchside_console_links():
    from porchside_readings.console import CONSOLE_LINKS

    return CONSOLE_LINKS


@hookimpl
def porchside_template_dirs():
    return [HERE / "templates"]


@hookimpl
def porchside_translation_dirs():
    # Its own catalogs (babel.cfg beside pyproject.toml; core's texts keep core's translations).
    return [HERE / "translations"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="readings", path=HERE / "static")]


@hookimpl
def porchside_api_resources():
    from porchside_readings.api import API_RESOURCES

    return API_RESOURCES


@hookimpl
async def porchside_demo_seed(tenant):
    from porchside_readings.demo import seed_demo_readings

    return await seed_demo_readings(tenant)
