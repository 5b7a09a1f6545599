"""Reviews: a portal tab with its own routes, templates, static files and settings.

Shaped like a third-party plugin package (``templates/`` and ``static/``
beside the code). It is off until a tenant turns it on, and its async event
hook records what it saw so tests can tell which tenants called it.
"""

from __future__ import annotations

from pathlib import Path

from quart import Blueprint

from core import hookimpl
from core.auth.current import login_required
from core.plugin_state import plugin_settings
from core.portal.views import render_portal
from core.records import Event, NavTab, PluginInfo, SettingField, StaticDir
from core.services import current_services

HERE = Path(__file__).parent

# (tenant slug, event name) for every event the hook received; tests clear it.
received: list[tuple[str, str]] = []

blueprint = Blueprint("reviews", __name__)
# Nested: its endpoints are "reviews.admin.*", and it is still the plugin's.
admin = Blueprint("admin", __name__, url_prefix="/reviews/admin")


@blueprint.get("/reviews")
@login_required
async def index():
    settings = await plugin_settings("reviews", current_services().plugins)
    return await render_portal("reviews/index.html", greeting=settings["greeting"])


@admin.get("/")
@login_required
async def admin_index():
    return "reviews admin"


blueprint.register_blueprint(admin)


@hookimpl
def porchside_plugin_info():
    return PluginInfo(name="reviews", label="Reviews", version="1.2.0", description="Ask customers for a review after each visit.")


@hookimpl
def porchside_nav_tabs():
    return [NavTab(id="reviews", label="Reviews", endpoint="reviews.index", order=50, icon="star")]


@hookimpl
def porchside_blueprints():
    return [blueprint]


@hookimpl
def porchside_template_dirs():
    return [str(HERE / "templates")]


@hookimpl
def porchside_translation_dirs():
    return [HERE / "translations"]


@hookimpl
def porchside_static_dirs():
    return [StaticDir(name="reviews", path=HERE / "static")]


@hookimpl
def porchside_settings_fields():
    return [
        SettingField(name="greeting", label="Greeting", default="Tell us how we did"),
        SettingField(name="per_month", label="Requests per month", kind="int", default=4),
        SettingField(name="publish", label="Publish reviews", kind="bool", default=False),
        SettingField(name="site", label="Review site", kind="choice", default="google", choices=(("google", "Google"), ("yelp", "Yelp"))),
        SettingField(name="profile_url", label="Profile page", kind="url"),
        SettingField(name="api_token", label="API token", kind="secret"),
    ]


@hookimpl
async def porchside_event(tenant, event: Event):
    received.append((tenant.slug, event.name))
    return f"reviews saw {event.name}"
