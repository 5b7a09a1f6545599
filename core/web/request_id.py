"""One id per request: the caller's ``X-Request-Id`` if it is sane, else a new one.

Sent back as ``X-Request-Id`` on every response (pages and the API alike)
and written on every log line of the request (:mod:`core.logs`), so support
can find a request from an error page, an API error body or a proxy log.
An integrator who sends its own id finds its request in our logs under the
same name.
"""

from __future__ import annotations

import re
import secrets

from quart import Response, g, has_request_context, request

HEADER = "X-Request-Id"
# Printable, header-safe and short enough to log: anything else is replaced,
# so a caller cannot inject line breaks or megabytes into our logs.
SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id() -> str:
    """This request's id (read or made once, then kept on ``g``)."""
    current = g.get("request_id")
    if current:
        return current
    sent = request.headers.get(HEADER, "")
    current = sent if SANE.match(sent) else f"req_{secrets.token_hex(12)}"
    g.request_id = current
    return current


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request (jobs, CLI)."""
    return request_id() if has_request_context() else None


async def send_request_id(response: Response) -> Response:
    """``after_request``: the id on every response."""
    response.headers[HEADER] = request_id()
    return response
