"""The PostgreSQL engine Tortoise uses here: asyncpg without a reset query on every release.

Tortoise hands its asyncpg connection back to the pool after every query,
and asyncpg then sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL`` before lending it again: one more round trip per
query (measured: 9 % of the app's CPU and 44 % of PostgreSQL's on a
15-query page). Porchside keeps no session state on pooled connections: no
``SET`` outside a transaction, no session advisory lock, no ``LISTEN``, no
cursor left open (the same rules PgBouncer's transaction mode sets, see
docs/deployment.md), so the query has nothing to undo. An open transaction
is still rolled back on release (asyncpg does that before the query).

Used as ``"engine": "core.pg_client"`` by :func:`core.db.tortoise_config`.
"""

from __future__ import annotations

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class NoResetConnection(asyncpg.Connection):
    """An asyncpg connection that sends nothing when the pool takes it back."""

    def get_reset_query(self) -> str:
        return ""


class PorchsideAsyncpgClient(AsyncpgDBClient):
    connection_class = NoResetConnection


client_class = PorchsideAsyncpgClient
