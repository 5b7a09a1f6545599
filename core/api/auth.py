"""Bearer tokens on ``/api/v1/``: who is calling, and may they do this.

A token is looked up by its SHA-256 digest through the tenant-scoped
manager, so another tenant's token on this host finds nothing (401, as an
unknown token does). RFC 6750 answers: no or bad token 401 with
``WWW-Authenticate: Bearer``; a valid token without the scope a route
needs 403 ``insufficient_scope``, naming the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from quart import g, request

from core.api.clients import digest
from core.api.errors import ApiError
from core.models.api import ApiClient, ApiToken

REALM = "api"
# last_used_at is for people ("used 3 minutes ago"): one write a minute is enough.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """The API client of this request and the scopes its token carries."""

    client: ApiClient
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"{self.client.name} ({self.client.client_id})"


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}", error_description="{detail}"'
    return ApiError(401, error or "unauthorized", detail, headers={"WWW-Authenticate": challenge})


async def authenticate() -> Caller:
    """The caller of this request (kept on ``g.api_caller``), or a 401 :class:`ApiError`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthorized("Send an access token from /oauth/token as 'Authorization: Bearer <token>'.", None)
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("The Authorization header must be 'Bearer <token>'.", "invalid_request")
    row = await ApiToken.filter(token_hash=digest(token.strip())).select_related("client").first()
    now = datetime.now(timezone.utc)
    if row is None:
        raise _unauthorized("The access token is not valid here.")
    if row.expired(now):
        raise _unauthorized("The access token has expired; ask /oauth/token for a new one.")
    client = row.client
    if client.revoked_at is not None:
        raise _unauthorized("The API client of this token has been revoked.")
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
        await ApiClient.filter(id=client.id).update(last_used_at=now)
    caller = Caller(client=client, scopes=frozenset(row.scopes))
    g.api_caller = caller
    return caller


def require_scope(caller: Caller, needed: str) -> None:
    """403 ``insufficient_scope`` unless the caller's token carries ``needed``."""
    if needed not in caller.scopes:
        raise ApiError(
            403,
            "insufficient_scope",
            f"This token lacks the scope {needed}. Ask /oauth/token for it (the client must be allowed it).",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{needed}"'},
        )
