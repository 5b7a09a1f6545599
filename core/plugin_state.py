"""Which plugins are on for a tenant, and their settings.

State lives in :class:`~core.models.platform.PluginConfig` rows, one per
tenant and plugin. The tenant's explicit choices (not the computed set) are
kept in the tenant's snapshot (:mod:`core.tenant_state`), so app instances that load different plugins can share one cache;
a plugin without a row is on when its ``PluginInfo.default_enabled`` says so.
Secret settings are encrypted with a key derived from the app's secret key
and never returned by :func:`plugin_settings`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.cache import Cache
from core.i18n import current_language, translations
from core.i18n import gettext as _
from core.models.platform import PluginConfig
from core.plugins import PluginHost
from core.records import SettingField
from core.tenant_state import TenantSnapshot, tenant_states
from tenants.context import current_tenant_id, use_tenant
from tenants.models import Tenant

log = logging.getLogger("porchside.plugins")

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def declared_text(text: Any) -> str:
    """A text a plugin declared (a setting's label, help or choice, its name
    or description), in the reader's language.

    A plugin may declare it with :func:`core.i18n.lazy_gettext` (translated
    when shown) or as a plain string, looked up here in core's catalog and
    then the plugins' (``porchside_translation_dirs``), as written when none
    has it. Never ``%``-formatted, so a literal ``%`` in a label is safe.
    """
    if not text:
        return ""
    if not isinstance(text, str):
        return str(text)  # a LazyProxy: translated now
    return translations(current_language()).gettext(text)


class SettingsError(ValueError):
    """Plugin settings were refused; ``errors`` maps each field name to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def _installed(name: str, host: PluginHost) -> None:
    if name not in host.plugin_names():
        raise KeyError(f"no plugin named {name!r} is installed")


async def _snapshot(cache: Cache | None = None) -> TenantSnapshot | None:
    """The current tenant's snapshot (:mod:`core.tenant_state`): its plugin rows and decrypted secrets.

    None outside an app and a background task (no cache to check it against).
    """
    if cache is None:
        from core.services import current_services

        try:
            cache = current_services().cache
        except RuntimeError:
            return None
    return await tenant_states(cache).snapshot(current_tenant_id())


async def _rows(cache: Cache | None = None) -> dict[str, PluginConfig]:
    """The current tenant's plugin rows, by plugin name (read from the database without a snapshot)."""
    snapshot = await _snapshot(cache)
    if snapshot is None:
        return {row.plugin: row for row in await PluginConfig.all()}
    return snapshot.plugins


async def _choices(cache: Cache) -> dict[str, bool]:
    """The current tenant's explicit on/off choices, by plugin name."""
    return {name: row.enabled for name, row in (await _rows(cache)).items()}


async def enabled_plugins(host: PluginHost, cache: Cache) -> frozenset[str]:
    """Names of the plugins enabled for the current tenant."""
    choices = await _choices(cache)
    return frozenset(
        name for name in host.plugin_names() if choices.get(name, host.declared.info[name].default_enabled)
    )


async def _row(name: str, host: PluginHost) -> PluginConfig:
    """The tenant's row of ``name``, created with the plugin's default on/off state."""
    row, _ = await PluginConfig.get_or_create(
        plugin=name, defaults={"enabled": host.declared.info[name].default_enabled}
    )
    return row


async def set_enabled(name: str, enabled: bool, host: PluginHost, cache: Cache) -> None:
    """Turn a plugin on or off for the current tenant.

    :raises KeyError: no plugin of that name is installed.
    """
    _installed(name, host)
    row = await _row(name, host)
    row.enabled = enabled
    await row.save()  # the tenant's snapshot is reloaded everywhere (core.tenant_state)


async def call_for_tenant(tenant: Tenant, hook_name: str, host: PluginHost, cache: Cache, **kwargs: Any) -> list[Any]:
    """Call a run-time hook (``porchside_event``, ``porchside_notify``) for ``tenant``.

    Runs inside the tenant's scope and asks only the plugins enabled there;
    ``tenant`` is passed to the hook with ``kwargs``.
    """
    with use_tenant(tenant):
        enabled = await enabled_plugins(host, cache)
        return await host.call(hook_name, enabled, tenant=tenant, **kwargs)


async def announce(name: str, subject: str = "", actor: str = "system", *, services: Any = None, **data: Any) -> list[Any]:
    """Tell the plugins enabled in the current tenant that ``name`` happened (``porchside_event``).

    The one way core and plugins broadcast an :class:`~core.records.Event`::

        await announce("quote.decided", quote.public_id, f"customer:{email}", decision="approved")

    :param services: the app's services; defaults to the current app's, so
        background tasks (which run outside a request) pass theirs.
    :return: what the enabled plugins' implementations returned. A failing
        implementation is logged with its plugin's name, never raised; so is
        a failure to find the enabled plugins (the event is then lost).
    """
    from core.records import Event
    from core.services import current_services
    from tenants.context import current_tenant

    services = services or current_services()
    event = Event(name=name, subject=subject, actor=actor, data=data)
    try:
        heard = await call_for_tenant(current_tenant(), "porchside_event", services.plugins, services.cache, event=event)
    except Exception:  # what happened has happened: telling plugins about it must not undo it
        log.exception("event %s of %s could not be announced", name, subject)
        heard = []
    from core.webhooks.events import publish  # the business's own systems hear it too (outgoing webhooks)

    await publish(event, services)
    return heard


async def plugin_settings(name: str, host: PluginHost) -> dict[str, Any]:
    """The plugin's settings for the current tenant, defaults filled in.

    Secret fields are not included; read them with :func:`plugin_secret`.
    """
    _installed(name, host)
    row = (await _rows()).get(name)
    stored = row.settings if row else {}
    return {
        f.name: stored.get(f.name, f.default)
        for f in host.declared.settings_fields.get(name, [])
        if not f.secret
    }


async def save_plugin_settings(
    name: str,
    values: Mapping[str, Any],
    host: PluginHost,
    secret_key: str,
    clear: Iterable[str] = (),
) -> dict[str, Any]:
    """Check and store the plugin's settings for the current tenant.

    ``values`` is the submitted form: a missing ``bool`` field is off, an
    empty field takes its default, an empty secret keeps the stored one
    (secrets are never shown back) unless its name is in ``clear``.

    :return: the stored settings, as :func:`plugin_settings` gives them.
    :raises SettingsError: naming each field that was refused and why.
    """
    _installed(name, host)
    fields = host.declared.settings_fields.get(name, [])
    row = await _row(name, host)
    settings: dict[str, Any] = {}
    secrets = dict(row.secrets or {})
    errors: dict[str, str] = {}
    for f in fields:
        raw = values.get(f.name)
        text = "" if raw is None else str(raw).strip()
        if f.secret:
            if f.name in clear:
                secrets.pop(f.name, None)
            elif text:
                secrets[f.name] = _fernet(secret_key).encrypt(text.encode()).decode()
            if f.required and f.name not in secrets:
                errors[f.name] = _("%(field)s is required.", field=declared_text(f.label))
            continue
        try:
            settings[f.name] = _parse(f, raw, text)
        except ValueError as exc:
            errors[f.name] = str(exc)
    if errors:
        raise SettingsError(errors)
    row.settings = settings
    row.secrets = secrets
    await row.save()
    return settings


def _parse(f: SettingField, raw: Any, text: str) -> Any:
    """The value of one non-secret field, or ValueError with a sentence for the form (reader's language)."""
    label = declared_text(f.label)
    if f.kind == "bool":
        return raw is True or text.lower() in TRUE_WORDS
    if not text:
        if f.required:
            raise ValueError(_("%(field)s is required.", field=label))
        return f.default
    if f.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("%(field)s must be a whole number.", field=label)) from None
    if f.kind == "url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(_("%(field)s must be a web address starting with https:// or http://.", field=label))
    if f.kind == "choice" and text not in {value for value, _label in f.choices}:
        shown = ", ".join(declared_text(choice) for _value, choice in f.choices)
        raise ValueError(_("%(field)s must be one of: %(choices)s.", field=label, choices=shown))
    return text


def secret_fernet(secret_key: str, purpose: bytes) -> Fernet:
    """A Fernet key derived from the app's secret key for one ``purpose`` (plugin secrets, webhook secrets)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet(secret_key: str) -> Fernet:
    return secret_fernet(secret_key, b"porchside plugin secrets")


async def plugin_secret(name: str, field_name: str, host: PluginHost, secret_key: str) -> str | None:
    """A secret setting of the current tenant, decrypted; None when not set.

    A value that no longer decrypts (the secret key changed) is logged and
    treated as not set, so staff are asked for it again.
    """
    _installed(name, host)
    snapshot = await _snapshot()
    row = (snapshot.plugins if snapshot is not None else await _rows()).get(name)
    token = (row.secrets or {}).get(field_name) if row else None
    if token is None:
        return None
    memo = (name, field_name, hashlib.sha256(secret_key.encode()).hexdigest())
    if snapshot is not None and memo in snapshot.secrets:
        return snapshot.secrets[memo]
    try:
        value: str | None = _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        log.warning("plugin %s: secret %s no longer decrypts; it must be entered again", name, field_name)
        value = None
    if snapshot is not None:
        snapshot.secrets[memo] = value
    return value


async def stored_secrets(name: str, host: PluginHost) -> set[str]:
    """Names of the secret settings that hold a value, for "set" marks in the form."""
    _installed(name, host)
    row = (await _rows()).get(name)
    return set((row.secrets or {}) if row else ())
