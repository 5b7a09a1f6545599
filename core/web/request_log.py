"""One log line and one metrics sample per request: route, status, duration, tenant.

Installed first among ``before_request`` and last among ``after_request``
handlers (:func:`install`), so the duration covers the other handlers and
the status is the one actually sent. The route is the URL rule
(``/auth/link/<token>``), never the raw path: paths may hold sign-in
tokens, and one series per rule keeps the metrics small.
"""

from __future__ import annotations

import logging
import time

from quart import Quart, Response, g, request

from core.metrics import REQUEST_DURATION, REQUESTS, record_pool_use
from core.web.request_id import send_request_id

log = logging.getLogger("porchside.request")


async def start_timer() -> None:
    """Note the start, and the plugin whose route this is (the ``plugin`` field of log lines)."""
    from core.plugins import CORE
    from core.services import current_services

    g.request_started = time.perf_counter()
    if request.blueprint:
        owner = current_services().plugins.plugin_of_blueprint(request.blueprint)
        if owner is not None and owner != CORE:
            g.log_plugin = owner


async def finish(response: Response) -> Response:
    """Log the request and observe its duration (and the database pool while at it)."""
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    rule = request.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    status = str(response.status_code)
    tenant = g.get("tenant")
    REQUEST_DURATION.labels(route, request.method, status).observe(duration)
    REQUESTS.labels(tenant.slug if tenant is not None else "", route, request.method, status).inc()
    record_pool_use()
    log.info(
        "%s %s %s",
        request.method,
        route,
        status,
        extra={"status": response.status_code, "duration_ms": round(duration * 1000, 2)},
    )
    return response


def install(app: Quart) -> None:
    """Time every request from the first handler to the last (see module doc)."""
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    # after_request handlers run last-registered first: index 0 runs last.
    after = app.after_request_funcs.setdefault(None, [])
    after.insert(0, finish)
    after.insert(1, send_request_id)
