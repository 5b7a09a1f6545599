"""Server-side sessions kept in the cache (Redis, or memory when embedded).

The cookie holds 256 random bits; the cache key holds only their hash, under
the tenant's namespace, so a session cannot be used on another tenant's host
even if a cookie were copied there. Each person's sessions are indexed so
the Security page can list them and "sign out everywhere" can end them.

Time-outs: idle (2 hours without a request) and absolute (12 hours, or 30
days with "remember me"), both checked on every load from ``last_seen_at``
and ``absolute_expires_at``; the cache TTL only clears what nobody loads
again. A session also remembers the host it was made on and is refused on
any other host of the tenant: the cookie is host-only, and a value copied to
another address (say the new one after a slug change) is worth nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field

from quart import has_request_context, request

from core.cache import Cache, tenant_key
from tenants.hosts import clean_host

IDLE_SECONDS = 2 * 3600
ABSOLUTE_SECONDS = 12 * 3600
REMEMBER_SECONDS = 30 * 24 * 3600
# Renew the idle TTL at most this often, to spare the cache a write per request.
TOUCH_EVERY = 60


def hash_session_id(session_id: str) -> str:
    """The key of a cookie's session in the cache (the cookie's value itself is never stored)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


_hash = hash_session_id


def request_host() -> str:
    """The cleaned host of the current request, or "" outside a request."""
    if not has_request_context():
        return ""
    return clean_host(request.headers.get("Host")) or ""


@dataclass
class Session:
    """What we know about one signed-in browser."""

    kind: str  # "customer" or "staff"
    subject: str  # email (customer) or staff public id
    created_at: float
    absolute_expires_at: float
    last_seen_at: float
    remember: bool = False
    ip: str = ""
    user_agent: str = ""
    account: str | None = None  # selected customer account public id
    handle: str = field(default_factory=lambda: secrets.token_urlsafe(8))
    data: dict = field(default_factory=dict)
    host: str = ""  # where it was made; "" (made outside a request) is valid on any host of the tenant

    def expired(self, moment: float) -> bool:
        """Past its absolute time-out, or idle for :data:`IDLE_SECONDS`."""
        return self.absolute_expires_at <= moment or moment - self.last_seen_at >= IDLE_SECONDS

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> "Session":
        return cls(**json.loads(raw))


class SessionStore:
    """Sessions of one kind (customer or staff) in the current tenant."""

    def __init__(self, cache: Cache, kind: str, host: str | None = None) -> None:
        self.cache = cache
        self.kind = kind
        # The host sessions are made on and accepted on: the request's by default.
        self.host = request_host() if host is None else host

    def _key(self, hashed: str) -> str:
        return tenant_key("sess", self.kind, hashed)

    def _index(self, subject: str) -> str:
        return tenant_key("sessidx", self.kind, subject)

    async def create(self, subject: str, *, remember: bool, ip: str, user_agent: str) -> tuple[str, Session]:
        """Start a new session and return ``(cookie value, session)``."""
        session_id = secrets.token_urlsafe(32)
        moment = time.time()
        session = Session(
            kind=self.kind,
            subject=subject,
            created_at=moment,
            absolute_expires_at=moment + (REMEMBER_SECONDS if remember else ABSOLUTE_SECONDS),
            last_seen_at=moment,
            remember=remember,
            ip=ip,
            user_agent=user_agent[:200],
            host=self.host,
        )
        hashed = _hash(session_id)
        await self.cache.set(self._key(hashed), session.to_json(), ttl=IDLE_SECONDS)
        await self.cache.sadd(self._index(subject), hashed, ttl=REMEMBER_SECONDS)
        return session_id, session

    async def load(self, session_id: str | None, *, touch: bool = True) -> Session | None:
        """The live session of a cookie's value, or None.

        ``touch`` renews the idle time-out (a request of the person's);
        a long-lived response re-checking its session passes False, so an
        open page does not keep an idle session alive.
        """
        if not session_id or len(session_id) > 100:
            return None
        hashed = _hash(session_id)
        session = await self.load_hashed(hashed)
        if session is None:
            return None
        if session.host and self.host and session.host != self.host:
            return None  # made on another address of the tenant: not this one's (left alone there)
        moment = time.time()
        if touch and moment - session.last_seen_at >= TOUCH_EVERY:
            session.last_seen_at = moment
            await self._write(hashed, session)
        return session

    async def load_hashed(self, hashed: str) -> Session | None:
        """The live session under a hash (:func:`hash_session_id`), untouched; expired ones are dropped."""
        raw = await self.cache.get(self._key(hashed))
        if raw is None:
            return None
        session = Session.from_json(raw)
        if session.kind != self.kind or session.expired(time.time()):
            await self._drop(hashed, session.subject)
            return None
        return session

    async def save(self, session_id: str, session: Session) -> None:
        await self._write(_hash(session_id), session)

    async def _write(self, hashed: str, session: Session) -> None:
        remaining = int(session.absolute_expires_at - time.time())
        await self.cache.set(self._key(hashed), session.to_json(), ttl=max(1, min(IDLE_SECONDS, remaining)))

    async def destroy(self, session_id: str) -> None:
        hashed = _hash(session_id)
        raw = await self.cache.get(self._key(hashed))
        subject = Session.from_json(raw).subject if raw else None
        await self._drop(hashed, subject)

    async def _drop(self, hashed: str, subject: str | None) -> None:
        await self.cache.delete(self._key(hashed))
        if subject:
            await self.cache.srem(self._index(subject), hashed)

    async def list_for(self, subject: str) -> list[tuple[str, Session]]:
        """Live sessions of ``subject`` as ``(opaque key, session)``, newest first."""
        out = []
        for hashed in await self.cache.smembers(self._index(subject)):
            raw = await self.cache.get(self._key(hashed))
            if raw is None:
                await self.cache.srem(self._index(subject), hashed)
                continue
            session = Session.from_json(raw)
            if session.expired(time.time()):
                await self._drop(hashed, subject)
                continue
            out.append((hashed, session))
        out.sort(key=lambda item: item[1].last_seen_at, reverse=True)
        return out

    async def revoke_handle(self, subject: str, handle: str) -> bool:
        """End the session of ``subject`` whose public handle is ``handle``."""
        for hashed, session in await self.list_for(subject):
            if session.handle == handle:
                await self._drop(hashed, subject)
                return True
        return False

    async def destroy_all(self, subject: str) -> int:
        sessions = await self.list_for(subject)
        for hashed, _ in sessions:
            await self._drop(hashed, subject)
        await self.cache.delete(self._index(subject))
        return len(sessions)
