"""What one running app holds: settings, plugin host, cache, pub/sub, storage, mail, queue.

Built by the app factory and reachable from a request as
:func:`current_services`; background workers build the same object without
a web app, so tasks see exactly what requests see.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import redis.utils
from quart import current_app, has_app_context

from core.cache import Cache, build_cache
from core.config import Settings
from core.plugins import PluginHost
from core.pubsub import PubSub, build_pubsub
from core.storage import LocalStorage, Storage
from core.tenant_state import tenant_states
from core.queue import TaskQueue, build_queue
from tenants.domain_verification import DomainVerifier
from tenants.resolver import TenantResolver


# redis-py reads its own version from the installed package's metadata for
# every connection it opens (its client-info handshake): 3-5 ms of CPU each,
# eight connections per app with Redis (cache, pub/sub, queue). The version
# of an installed package does not change under a running process.
if not hasattr(redis.utils.get_lib_version, "cache_info"):
    redis.utils.get_lib_version = functools.lru_cache(maxsize=1)(redis.utils.get_lib_version)


@dataclass
class Services:
    settings: Settings
    plugins: PluginHost
    cache: Cache
    resolver: TenantResolver
    storage: Storage
    # Live updates between app instances (core.pubsub); Redis when configured.
    pubsub: PubSub = field(default=None, repr=False)  # type: ignore[assignment]
    # DNS lookups proving custom domains (tenants.domain_verification); tests
    # may point its resolver at a DNS server of their own.
    domain_verifier: DomainVerifier = field(default_factory=DomainVerifier, repr=False)
    # Set by build(): the queue needs the finished Services for its tasks.
    queue: TaskQueue = field(init=False, repr=False)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, plugins: PluginHost) -> "Services":
        cache = build_cache(settings.redis_url, settings.redis_prefix)
        services = cls(
            settings=settings,
            plugins=plugins,
            cache=cache,
            resolver=TenantResolver(settings.base_domain, cache),
            storage=LocalStorage(settings.uploads_dir),
            pubsub=build_pubsub(settings.redis_url, settings.redis_prefix),
            domain_verifier=DomainVerifier(nameservers=settings.dns_nameservers),
        )
        services.queue = build_queue(services)
        # Known from the start, so a change made in this process (even a CLI's) reaches every instance.
        tenant_states(cache)
        return services

    async def close(self) -> None:
        """Close the queue, pub/sub and cache, each even if one before it fails (say, Redis is away).

        A cache left open stays among those :func:`core.tenant_state.tenant_changed`
        tells of every change in this process, so each later change would wait
        on a Redis that is gone.
        """
        try:
            await self.queue.close()
        finally:
            try:
                if self.pubsub is not None:
                    await self.pubsub.close()
            finally:
                await self.cache.close()


_task_services: ContextVar[Services | None] = ContextVar("porchside_task_services", default=None)


@contextmanager
def use_services(services: Services) -> Iterator[Services]:
    """Make ``services`` what :func:`current_services` returns outside a request.

    The task queue runs every task inside it, so code a task calls (event
    handlers of plugins included) reaches the services the same way a
    request handler does.
    """
    token = _task_services.set(services)
    try:
        yield services
    finally:
        _task_services.reset(token)


def current_services() -> Services:
    """The services of the current request's app, or of the running background task."""
    if has_app_context():
        return current_app.extensions["porchside"]
    services = _task_services.get()
    if services is None:
        raise RuntimeError("no app and no background task is running: pass the services explicitly")
    return services
