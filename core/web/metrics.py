"""``GET /metrics``: Prometheus text format, behind a bearer token, on any host.

Off unless ``PORCHSIDE_METRICS_TOKEN`` is set: then it answers 404 like any
unknown page, so an installation does not show its traffic to the world
by default. With the token set, a scrape must send
``Authorization: Bearer <token>``; anything else gets 401. Queue depth is
read from the queue at scrape time; everything else is counted where it
happens (:mod:`core.metrics`).
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge
from quart import Blueprint, Response, request

from core.i18n import lazy_gettext
from core.metrics import exposition, record_pool_use
from core.services import current_services
from core.web.errors import render_error

blueprint = Blueprint("metrics", __name__)


def _authorized(token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


async def _live() -> CollectorRegistry:
    """Values read now rather than counted: the queue's depth (shared by every process)."""
    registry = CollectorRegistry()
    depth = Gauge(
        "porchside_queue_jobs", "Jobs in the queue: due (waiting or running) and scheduled (later, retries included).",
        ["state"], registry=registry,
    )
    due, scheduled = await current_services().queue.depth()
    depth.labels("due").set(due)
    depth.labels("scheduled").set(scheduled)
    return registry


@blueprint.get("/metrics")
async def metrics():
    token = current_services().settings.metrics_token
    if not token:
        return await render_error(404, "not_found", lazy_gettext("There is no page at this address."))
    if not _authorized(token):
        response = await render_error(401, "unauthorized", lazy_gettext("Send the metrics token as a bearer token."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    record_pool_use()
    return Response(exposition(await _live()), content_type=CONTENT_TYPE_LATEST)
