"""The audit log: who did what, when, from where, in this tenant."""

from __future__ import annotations

from typing import Any

from quart import has_request_context, request

from core.models.platform import AuditEvent


def client_ip() -> str:
    if not has_request_context():
        return ""
    return request.remote_addr or ""


async def record(action: str, *, actor_type: str, actor: str = "", target: str = "", **detail: Any) -> AuditEvent:
    """Append an event to the current tenant's audit log."""
    return await AuditEvent.create(
        action=action,
        actor_type=actor_type,
        actor=actor,
        target=target,
        ip=client_ip(),
        detail=detail,
    )
