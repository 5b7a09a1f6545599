"""Per-tenant data every request needs, kept in process and checked against one version key.

Every request of a tenant needs its row (name, locale, portal settings) and
its plugin rows (on/off, settings, secrets); events ask whether any webhook
endpoint is enabled. Reading them from the database
on each request cost about half of a page's queries, so each process keeps
them in memory as a :class:`TenantSnapshot`, tagged with the version found
under the tenant's key in the cache (Redis, shared by every instance; a
dict when embedded). A request reads that one key; the snapshot is used
when its tag matches and reloaded (two queries) when not.

Writers change the version, so a change reaches every instance on its next
request: saving or deleting a :class:`~tenants.models.Tenant` or a
:class:`~core.models.platform.PluginConfig` or a
:class:`~core.models.webhooks.WebhookEndpoint` does it through Tortoise's
signals, wherever it happens (console, CLI, API, archive import). Writes
inside a transaction also call :func:`tenant_changed` after the commit, since
the signal fires before it and a reader could reload the old rows under the
new version; snapshots older than :data:`MAX_AGE` seconds are reloaded anyway.
Bulk ``filter().update()`` fires no signal: call :func:`tenant_changed`.
"""

from __future__ import annotations

import copy
import logging
import secrets
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from quart import g, has_request_context
from tortoise.signals import post_delete, post_save

from core.cache import Cache
from core.models.platform import PluginConfig
from core.models.webhooks import WebhookEndpoint
from tenants.context import use_tenant
from tenants.models import Tenant

log = logging.getLogger("porchside.tenant_state")

# A snapshot is reloaded after this many seconds even when its version still matches.
MAX_AGE = 60.0
# Within one request the version is read once: later calls (plugin rows, secrets,
# settings, cards) reuse the snapshot the first call checked, for at most this
# many seconds (an event stream lasting longer checks again).
REQUEST_REUSE = 1.0


def _version_key(tenant_id: int) -> str:
    return f"t:{tenant_id}:state"


@dataclass
class TenantSnapshot:
    """One tenant's row and plugin rows as loaded under ``version``."""

    tenant: Tenant
    plugins: dict[str, PluginConfig]
    version: str
    loaded_at: float
    # Whether any webhook endpoint is enabled: events of a tenant without one look nothing up.
    webhooks_enabled: bool = True
    # Decrypted secrets, by (plugin, field, key fingerprint): decrypting costs more than a query.
    secrets: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    def fresh_tenant(self) -> Tenant:
        """A copy of the tenant row for one request: its changes never reach other requests."""
        clone = copy.copy(self.tenant)
        clone.portal_settings = copy.deepcopy(self.tenant.portal_settings)
        return clone


class TenantStates:
    """The snapshots of one cache's tenants in this process (see the module's doc)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._local: dict[int, TenantSnapshot] = {}

    async def snapshot(self, tenant_id: int) -> TenantSnapshot | None:
        """The tenant's snapshot, checked against the cache's version; None if there is no such tenant.

        In a request, checked once: a snapshot this process still holds and
        that the request checked less than :data:`REQUEST_REUSE` seconds ago
        is returned without reading the version again (a change made in this
        process drops the held snapshot, so the next call checks anew).
        """
        checked = g.setdefault("tenant_snapshots", {}) if has_request_context() else None
        if checked is not None:
            seen = checked.get((id(self), tenant_id))
            if seen is not None and self._local.get(tenant_id) is seen[0] and time.monotonic() - seen[1] < REQUEST_REUSE:
                return seen[0]
        snap = await self._checked(tenant_id)
        if checked is not None and snap is not None:
            checked[(id(self), tenant_id)] = (snap, time.monotonic())
        return snap

    async def _checked(self, tenant_id: int) -> TenantSnapshot | None:
        key = _version_key(tenant_id)
        version = await self.cache.get(key)
        if version is None:
            # Set before reading the rows: a writer's change after this makes another version.
            version = secrets.token_hex(8)
            await self.cache.set(key, version)
        snap = self._local.get(tenant_id)
        if snap is not None and snap.version == version and time.monotonic() - snap.loaded_at < MAX_AGE:
            return snap
        tenant = await Tenant.get_or_none(id=tenant_id)
        if tenant is None:
            self._local.pop(tenant_id, None)
            return None
        with use_tenant(tenant):
            plugins = {row.plugin: row for row in await PluginConfig.all()}
            webhooks = await WebhookEndpoint.filter(enabled=True).exists()
        snap = TenantSnapshot(
            tenant=tenant, plugins=plugins, version=version, loaded_at=time.monotonic(), webhooks_enabled=webhooks
        )
        self._local[tenant_id] = snap
        return snap

    async def changed(self, tenant_id: int) -> None:
        """Make every instance reload the tenant's snapshot on its next request."""
        self._local.pop(tenant_id, None)
        await self.cache.set(_version_key(tenant_id), secrets.token_hex(8))


_stores: "weakref.WeakKeyDictionary[Any, TenantStates]" = weakref.WeakKeyDictionary()


def tenant_states(cache: Cache) -> TenantStates:
    """The snapshots kept for ``cache`` (one store per cache, so per app)."""
    store = _stores.get(cache)
    if store is None:
        store = _stores[cache] = TenantStates(cache)
    return store


async def tenant_changed(tenant_id: int) -> None:
    """Tell every open cache (and so every instance) that the tenant's row or plugin rows changed.

    Never raises: the change is committed (or about to be) and must not be
    undone because the cache is away. This process forgets its snapshot at
    once; other instances reload theirs within :data:`MAX_AGE` seconds.
    """
    for cache, store in list(_stores.items()):
        if getattr(cache, "closed", False):
            continue
        try:
            await store.changed(tenant_id)
        except Exception as exc:  # e.g. Redis down: the MAX_AGE reload is the fallback
            # Info, not a warning: the change itself succeeded, and commands print warnings as errors.
            log.info(
                "tenant %s changed but the cache could not be told (%s); other instances see it within %.0f s",
                tenant_id, exc, MAX_AGE,
            )


@post_save(Tenant)
async def _tenant_saved(sender, instance: Tenant, created, using_db, update_fields) -> None:
    await tenant_changed(instance.id)


@post_delete(Tenant)
async def _tenant_deleted(sender, instance: Tenant, using_db) -> None:
    await tenant_changed(instance.id)


@post_save(PluginConfig)
async def _plugin_saved(sender, instance: PluginConfig, created, using_db, update_fields) -> None:
    await tenant_changed(instance.tenant_id)


@post_delete(PluginConfig)
async def _plugin_deleted(sender, instance: PluginConfig, using_db) -> None:
    await tenant_changed(instance.tenant_id)


@post_save(WebhookEndpoint)
async def _endpoint_saved(sender, instance: WebhookEndpoint, created, using_db, update_fields) -> None:
    await tenant_changed(instance.tenant_id)


@post_delete(WebhookEndpoint)
async def _endpoint_deleted(sender, instance: WebhookEndpoint, using_db) -> None:
    await tenant_changed(instance.tenant_id)
