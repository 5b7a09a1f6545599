"""Liveness and readiness endpoints for load balancers (any host)."""

from __future__ import annotations

from quart import Blueprint, jsonify
from tortoise import connections

from core.services import current_services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
async def live():
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
async def ready():
    checks = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: this is the probe
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        cache = current_services().cache
        await cache.set("readyz", "1", ttl=5)
        checks["cache"] = "ok"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ok" if ok else "degraded", "checks": checks}), (200 if ok else 503)
