"""Single-use login tokens: issue, inspect without consuming, consume once.

A token is 256 random bits; only its SHA-256 is stored, inside the tenant's
scope, so a token is useless on another tenant's host. Opening a link only
*inspects* the token (an email scanner fetching the URL consumes nothing);
the "Continue" POST consumes it with one conditional UPDATE, so two clicks
or two tabs sign in once.

A link that sets a password (invite, reset) replaces the older unused ones
of the same address: issuing it revokes them (:data:`SUPERSEDES`), so only
the newest email in the inbox can change the password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from core.models.auth import LoginToken
from core.models.customers import CustomerAccount, normalise_email
from tenants.context import current_tenant

TokenState = Literal["valid", "used", "expired", "revoked", "unknown"]

# Lifetimes that are not tenant settings.
INVITE_DAYS = 14
RESET_MINUTES = 60

# Issuing a token of the key's purpose revokes the address's older unused
# tokens of these purposes: an old invite or reset email left in an inbox
# must not set a password after a newer one was sent.
SUPERSEDES: dict[str, tuple[str, ...]] = {
    "invite": ("invite", "reset"),
    "reset": ("invite", "reset"),
    "staff_invite": ("staff_invite", "staff_reset"),
    "staff_reset": ("staff_invite", "staff_reset"),
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


def lifetime(purpose: str) -> timedelta:
    """How long a token of ``purpose`` lives, from the tenant's settings."""
    tenant = current_tenant()
    if purpose == "magic":
        return timedelta(minutes=int(tenant.portal_setting("magic_link_minutes")))
    if purpose == "deep":
        return timedelta(days=int(tenant.portal_setting("deep_link_days")))
    if purpose in ("invite", "staff_invite"):
        return timedelta(days=INVITE_DAYS)
    return timedelta(minutes=RESET_MINUTES)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: LoginToken


async def issue(
    purpose: str,
    email: str,
    *,
    account: CustomerAccount | None = None,
    target: str = "",
    ip: str = "",
    created_by: str = "",
) -> IssuedToken:
    """Create a token in the current tenant; the raw value is returned once.

    A password link revokes the address's older unused ones (:data:`SUPERSEDES`).
    """
    token = secrets.token_urlsafe(32)
    row = await LoginToken.create(
        purpose=purpose,
        token_hash=hash_token(token),
        email=normalise_email(email),
        account=account,
        target=target,
        expires_at=now() + lifetime(purpose),
        created_ip=ip,
        created_by=created_by,
    )
    if purpose in SUPERSEDES:
        # Older means a smaller id: of two links issued at once, the later one wins.
        await LoginToken.filter(
            email=row.email, purpose__in=SUPERSEDES[purpose], id__lt=row.id, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=row.created_at)
    return IssuedToken(token, row)


def state_of(row: LoginToken | None) -> TokenState:
    if row is None:
        return "unknown"
    if row.revoked_at is not None:
        return "revoked"
    if row.used_at is not None:
        return "used"
    if row.expires_at <= now():
        return "expired"
    return "valid"


async def inspect(token: str, purposes: tuple[str, ...]) -> tuple[TokenState, LoginToken | None]:
    """Look a token up without consuming it."""
    if not token or len(token) > 100:
        return "unknown", None
    row = await LoginToken.get_or_none(token_hash=hash_token(token))
    if row is None or row.purpose not in purposes:
        return "unknown", None
    return state_of(row), row


async def consume(token: str, purposes: tuple[str, ...]) -> tuple[TokenState, LoginToken | None]:
    """Use a token once. Exactly one concurrent caller gets ``"valid"``."""
    state, row = await inspect(token, purposes)
    if state != "valid" or row is None:
        return state, row
    moment = now()
    updated = await LoginToken.filter(
        id=row.id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment
    ).update(used_at=moment)
    if updated != 1:
        return "used", row
    row.used_at = moment
    return "valid", row


async def revoke(row: LoginToken) -> None:
    await LoginToken.filter(id=row.id, revoked_at__isnull=True).update(revoked_at=now())


async def open_links(email: str) -> list[LoginToken]:
    """Unexpired, unused links of ``email`` in the current tenant (Security page)."""
    return await LoginToken.filter(
        email=normalise_email(email),
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now(),
        purpose__in=["magic", "deep", "reset", "invite"],
    ).order_by("-created_at")
