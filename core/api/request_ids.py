"""``X-Request-Id`` for the API: the one core mechanism, :mod:`core.web.request_id`.

Kept so API modules can import from their own package; every response
(API or not) gets the header from :func:`core.web.request_id.send_request_id`.
"""

from __future__ import annotations

from core.web.request_id import HEADER, SANE, request_id

__all__ = ["HEADER", "SANE", "request_id"]
