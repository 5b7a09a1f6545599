"""Publish and subscribe between app instances: Redis pub/sub, or in-process when embedded.

Live pages (a message thread that updates without reload) need to hear that
something changed, whichever app instance the change was made on::

    from core.services import current_services

    pubsub = current_services().pubsub
    await pubsub.publish("marketing:thread:42", '{"seq": 7}')   # after the commit

    async with await pubsub.subscribe("marketing:thread:42") as subscription:
        message = await subscription.get(timeout=15)   # the text, or None after 15 s

Channel names are scoped like cache keys: the configured prefix, then the
current tenant's id (``<prefix>:t:<tenant id>:<name>``), so a tenant never
hears another's messages; pass ``tenant_id=`` where no tenant is current.

Delivery is "at most once, to whoever listens now": a subscriber that was
not connected misses the message. Publish a small notice ("thread 42 has
news") and let the subscriber read what it missed from the database, so a
dropped connection loses nothing.

:class:`MemoryPubSub` serves the embedded default (one process).
:class:`RedisPubSub` shares one Redis connection per app instance for all
its subscriptions and hands each message to the local subscribers of its
channel; publishing uses a small pool of its own, so live pages never take
connections from the cache.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from core.redis_pool import redis_client
from tenants.context import current_tenant_id

log = logging.getLogger("porchside.pubsub")

# Messages a slow subscriber may have waiting before the oldest are dropped.
QUEUE_SIZE = 100


def channel_name(prefix: str, name: str, tenant_id: int | None = None) -> str:
    """The full channel of ``name`` in a tenant's namespace (the current tenant by default)."""
    tid = current_tenant_id() if tenant_id is None else tenant_id
    return f"{prefix}:t:{tid}:{name}"


class Subscription:
    """Messages of one channel for one listener; close it (or use ``async with``) when done."""

    def __init__(self, channel: str, on_close) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._on_close = on_close
        self.closed = False

    def _deliver(self, message: str) -> None:
        if self._queue.full():  # a listener that does not read loses the oldest, never blocks others
            self._queue.get_nowait()
        self._queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> str | None:
        """The next message, waiting at most ``timeout`` seconds (None: the time ran out)."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def pending(self) -> list[str]:
        """Messages already received and not read yet (emptied)."""
        out = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._on_close(self)

    async def __aenter__(self) -> "Subscription":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


class PubSub(Protocol):
    async def publish(self, name: str, message: str, *, tenant_id: int | None = None) -> None: ...
    async def subscribe(self, name: str, *, tenant_id: int | None = None) -> Subscription: ...
    async def close(self) -> None: ...


class _LocalFanOut:
    """Channel -> the subscriptions of this process."""

    def __init__(self) -> None:
        self.channels: dict[str, set[Subscription]] = {}

    def add(self, subscription: Subscription) -> bool:
        """Register; True when it is the channel's first local subscriber."""
        members = self.channels.setdefault(subscription.channel, set())
        members.add(subscription)
        return len(members) == 1

    def remove(self, subscription: Subscription) -> bool:
        """Unregister; True when the channel has no local subscriber left."""
        members = self.channels.get(subscription.channel)
        if members is None:
            return False
        members.discard(subscription)
        if not members:
            del self.channels[subscription.channel]
            return True
        return False

    def deliver(self, channel: str, message: str) -> None:
        for subscription in list(self.channels.get(channel, ())):
            subscription._deliver(message)


class MemoryPubSub:
    """Pub/sub inside one process, for the embedded default and SQLite tests."""

    def __init__(self, prefix: str = "porchside") -> None:
        self.prefix = prefix
        self._local = _LocalFanOut()

    async def publish(self, name: str, message: str, *, tenant_id: int | None = None) -> None:
        self._local.deliver(channel_name(self.prefix, name, tenant_id), message)

    async def subscribe(self, name: str, *, tenant_id: int | None = None) -> Subscription:
        subscription = Subscription(channel_name(self.prefix, name, tenant_id), self._unsubscribe)
        self._local.add(subscription)
        return subscription

    async def _unsubscribe(self, subscription: Subscription) -> None:
        self._local.remove(subscription)

    async def close(self) -> None:
        for members in list(self._local.channels.values()):
            for subscription in list(members):
                subscription.closed = True
        self._local.channels.clear()


class RedisPubSub:
    """Redis pub/sub shared by every app instance on the same Redis (see module doc)."""

    RECONNECT_DELAY = 1.0

    def __init__(self, url: str, prefix: str = "porchside", max_connections: int = 10) -> None:
        self.prefix = prefix
        self.redis = redis_client(url, max_connections=max_connections, decode_responses=True)
        self._local = _LocalFanOut()
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._confirming: dict[str, asyncio.Event] = {}

    async def publish(self, name: str, message: str, *, tenant_id: int | None = None) -> None:
        await self.redis.publish(channel_name(self.prefix, name, tenant_id), message)

    async def subscribe(self, name: str, *, tenant_id: int | None = None) -> Subscription:
        subscription = Subscription(channel_name(self.prefix, name, tenant_id), self._unsubscribe)
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub()
            if self._local.add(subscription):
                confirmed = self._confirming[subscription.channel] = asyncio.Event()
                await self._pubsub.subscribe(subscription.channel)
                self._start_reader()
                # Once Redis confirms, whatever is published next reaches us:
                # a caller may then read the database without missing a change.
                try:
                    await asyncio.wait_for(confirmed.wait(), 5)
                except asyncio.TimeoutError:
                    log.warning("Redis did not confirm the subscription to %s in time", subscription.channel)
                finally:
                    self._confirming.pop(subscription.channel, None)
            self._start_reader()
        return subscription

    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="porchside-pubsub-reader")

    async def _unsubscribe(self, subscription: Subscription) -> None:
        async with self._lock:
            if self._local.remove(subscription) and self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(subscription.channel)
                except Exception:  # the connection is gone; nothing to undo
                    log.debug("unsubscribe of %s failed", subscription.channel, exc_info=True)

    async def _read(self) -> None:
        while True:
            pubsub = self._pubsub
            if pubsub is None:
                return
            try:
                if not pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis pub/sub connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(self.RECONNECT_DELAY)
                continue
            if not message:
                continue
            if message.get("type") == "message":
                self._local.deliver(message["channel"], message["data"])
            elif message.get("type") == "subscribe" and message["channel"] in self._confirming:
                self._confirming[message["channel"]].set()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
            self._reader = None
        if self._pubsub is not None:
            try:
                await self._pubsub.aclose()
            except Exception:
                pass
            self._pubsub = None
        self._local.channels.clear()
        await self.redis.aclose()


def build_pubsub(redis_url: str | None, prefix: str) -> PubSub:
    return RedisPubSub(redis_url, prefix) if redis_url else MemoryPubSub(prefix)
