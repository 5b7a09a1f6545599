"""Which plugins are on for a tenant, and their settings.

State lives in :class:`~core.models.platform.PluginConfig` rows; the set of
enabled plugins is cached per tenant and dropped when it changes.
"""

from __future__ import annotations

import json

from core.cache import Cache, tenant_key
from core.models.platform import PluginConfig
from core.plugins import PluginHost

CACHE_TTL = 300


def _key() -> str:
    return tenant_key("plugins", "enabled")


async def enabled_plugins(host: PluginHost, cache: Cache) -> frozenset[str]:
    """Names of the plugins enabled for the current tenant."""
    cached = await cache.get(_key())
    if cached is not None:
        return frozenset(json.loads(cached))
    rows = {row.plugin: row.enabled for row in await PluginConfig.all()}
    enabled = frozenset(
        name
        for name in host.plugin_names()
        if rows.get(name, host.declared.info[name].default_enabled)
    )
    await cache.set(_key(), json.dumps(sorted(enabled)), ttl=CACHE_TTL)
    return enabled


async def set_enabled(name: str, enabled: bool, host: PluginHost, cache: Cache) -> None:
    if name not in host.plugin_names():
        raise KeyError(name)
    row, _ = await PluginConfig.get_or_create(plugin=name)
    row.enabled = enabled
    await row.save()
    await cache.delete(_key())


async def plugin_settings(name: str, host: PluginHost) -> dict:
    """The plugin's settings for the current tenant, defaults filled in.

    Secret fields are not included; read them with :func:`plugin_secret`.
    """
    row = await PluginConfig.get_or_none(plugin=name)
    stored = row.settings if row else {}
    return {
        f.name: stored.get(f.name, f.default)
        for f in host.declared.settings_fields.get(name, [])
        if not f.secret
    }
