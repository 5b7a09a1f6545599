"""Plugins (S9): every installed plugin, on or off for this business, and its settings.

The settings form is built from the fields the plugin declares
(``porchside_settings_fields``); opening or saving it also needs the
permission the plugin names in ``PluginInfo.settings_permission`` (the
payments plugin's Stripe keys and AutoPay need ``money``: owner and admin
by default). It is checked by
:func:`core.plugin_state.save_plugin_settings`. Secret fields are
write-only: the form shows whether one is set, never its value, and an
empty secret field keeps what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, abort, g, redirect, request, url_for

from core.audit import record
from core.console.access import can, staff_required
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.plugin_state import (
    SettingsError,
    declared_text,
    plugin_settings,
    save_plugin_settings,
    set_enabled,
    stored_secrets,
)
from core.records import PluginInfo, SettingField
from core.services import current_services
from core.web.errors import render_error

blueprint = Blueprint("plugins", __name__, url_prefix="/plugins")

NOTICES = {
    "enabled": lazy_gettext("Plugin turned on."),
    "disabled": lazy_gettext("Plugin turned off: its tabs and pages are gone from the portal."),
    "saved": lazy_gettext("Plugin settings saved."),
}


@dataclass(frozen=True)
class PluginRow:
    info: PluginInfo
    name: str
    enabled: bool
    has_settings: bool  # declares settings the signed-in staff member may edit

    @property
    def label(self) -> str:
        return declared_text(self.info.label)

    @property
    def description(self) -> str:
        return declared_text(self.info.description)


@dataclass(frozen=True)
class ShownField:
    """A declared setting as the form draws it: its texts in the reader's language."""

    name: str
    kind: str
    label: str
    help: str
    choices: tuple[tuple[str, str], ...]
    required: bool
    secret: bool

    @classmethod
    def of(cls, f: SettingField) -> "ShownField":
        return cls(
            f.name, f.kind, declared_text(f.label), declared_text(f.help),
            tuple((value, declared_text(label)) for value, label in f.choices), f.required, f.secret,
        )


def _installed(name: str) -> PluginInfo:
    info = current_services().plugins.declared.info.get(name)
    if info is None:
        abort(404)
    return info


async def _settings_refused(info: PluginInfo):
    """403 when these settings need a permission the signed-in role lacks (e.g. ``money``), else None."""
    if can(info.settings_permission):
        return None
    return await render_error(403, "forbidden", _("Your role does not allow changing these settings. Ask an owner of the business."))


@blueprint.get("/")
@staff_required("plugins")
async def index():
    host = current_services().plugins
    rows = [
        PluginRow(
            host.declared.info[name], name, name in g.enabled_plugins,
            bool(host.declared.settings_fields.get(name)) and can(host.declared.info[name].settings_permission),
        )
        for name in host.plugin_names()
    ]
    return await render_console("console/plugins/index.html", plugins=rows, notice=notice(NOTICES))


@blueprint.post("/<name>/switch")
@staff_required("plugins")
async def switch(name: str):
    _installed(name)
    services = current_services()
    turn_on = (await request.form).get("enabled") == "on"
    await set_enabled(name, turn_on, services.plugins, services.cache)
    await record("plugins.enabled" if turn_on else "plugins.disabled", actor_type="staff", actor=g.staff.email, target=name)
    return redirect(url_for("console.plugins.index", done="enabled" if turn_on else "disabled"))


async def _settings_page(name: str, status: int = 200, errors: dict[str, str] | None = None, values: dict | None = None):
    info = _installed(name)
    host = current_services().plugins
    fields: list[SettingField] = host.declared.settings_fields.get(name, [])
    return await render_console(
        "console/plugins/settings.html",
        info=info,
        label=declared_text(info.label),
        name=name,
        fields=[ShownField.of(f) for f in fields],
        values=values if values is not None else await plugin_settings(name, host),
        secrets_set=await stored_secrets(name, host),
        errors=errors or {},
        notice=notice(NOTICES),
    ), status


@blueprint.get("/<name>/settings")
@staff_required("plugins")
async def settings(name: str):
    refused = await _settings_refused(_installed(name))
    if refused is not None:
        return refused
    return await _settings_page(name)


@blueprint.post("/<name>/settings")
@staff_required("plugins")
async def save_settings(name: str):
    refused = await _settings_refused(_installed(name))
    if refused is not None:
        return refused
    services = current_services()
    form = await request.form
    fields = services.plugins.declared.settings_fields.get(name, [])
    submitted = {f.name: form.get(f.name) for f in fields if f.name in form}
    clear = [f.name for f in fields if f.secret and form.get(f"clear_{f.name}") == "on"]
    try:
        await save_plugin_settings(name, submitted, services.plugins, services.settings.secret_key, clear=clear)
    except SettingsError as exc:
        # Show back what was typed, never a secret.
        shown = {f.name: form.get(f.name, "") for f in fields if not f.secret}
        return await _settings_page(name, 400, exc.errors, shown)
    await record("plugins.settings_saved", actor_type="staff", actor=g.staff.email, target=name, cleared=clear)
    return redirect(url_for("console.plugins.settings", name=name, done="saved"))
