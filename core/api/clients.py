"""API clients: create, find, revoke; the secret is shown once and stored hashed.

A client secret is 256 random bits, so SHA-256 of it is enough: a slow
password hash (argon2) protects guessable human passwords against offline
guessing, and nobody can enumerate 2^256 candidates. A fast digest also
keeps the token endpoint cheap. Bearer tokens are stored the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone
from typing import Iterable

from core.api.scopes import parse_scopes
from core.models.api import ApiClient, ApiToken
from tenants.context import use_tenant
from tenants.models import Tenant

CLIENT_ID_PREFIX = "ci_"
SECRET_PREFIX = "cs_"
SECRET_BYTES = 32  # 256 bits


def digest(secret: str) -> str:
    """The stored form of a client secret or a bearer token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(client: ApiClient, secret: str) -> bool:
    return hmac.compare_digest(client.secret_hash, digest(secret or ""))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


async def create_client(
    tenant: Tenant,
    name: str,
    scopes: Iterable[str],
    *,
    created_by: str = "",
    known_scopes: Iterable[str] | None = None,
) -> tuple[ApiClient, str]:
    """A new API client of ``tenant`` and its secret (show it once; only its digest is kept).

    :param scopes: what the client may ask for, e.g. ``["customers:read"]``.
    :param known_scopes: when given (the scopes of the registered resources),
        a scope outside it is refused.
    :raises ValueError: an empty name or a malformed or unknown scope.
    """
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValueError("an API client needs a name of 1 to 200 characters")
    wanted = parse_scopes(list(scopes))
    if not wanted:
        raise ValueError("an API client needs at least one scope")
    if known_scopes is not None:
        unknown = sorted(set(wanted) - set(known_scopes))
        if unknown:
            raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    secret = new_secret()
    with use_tenant(tenant):
        client = await ApiClient.create(
            name=name,
            client_id=CLIENT_ID_PREFIX + secrets.token_urlsafe(16),
            secret_hash=digest(secret),
            scopes=wanted,
            created_by=created_by,
        )
    return client, secret


async def rotate_secret(client: ApiClient) -> str:
    """A new secret for ``client`` (the old one stops working; tokens already issued too)."""
    secret = new_secret()
    client.secret_hash = digest(secret)
    await client.save(update_fields=["secret_hash"])
    await ApiToken.filter(client_id=client.id).delete()
    return secret


async def revoke_client(client: ApiClient) -> bool:
    """Stop a client: its secret and every token it holds stop working at once.

    Returns whether this call revoked it: a conditional update decides, so
    of two revocations at once (a double submit) only one says so.
    """
    now = datetime.now(timezone.utc)
    revoked = await ApiClient.filter(id=client.id, revoked_at=None).update(revoked_at=now)
    if revoked:
        client.revoked_at = now
    await ApiToken.filter(client_id=client.id).delete()
    return bool(revoked)
