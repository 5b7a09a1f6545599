"""RFC 9457 problem details for every error under ``/api``.

A view raises :class:`ApiError`; the blueprint turns it into an
``application/problem+json`` body with a stable ``code``, the offending
``param`` when there is one, and the request id. Errors raised before the
API's own code runs (unknown host, input guard, routing 404 and 405, an
unexpected 500) are rewritten into the same shape by
:func:`problem_for_response`, so a client parses one format only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from quart import Response

from core.api.request_ids import request_id

PROBLEM_TYPE = "application/problem+json"
# Problem types are documented on the reference page, one anchor per code.
TYPE_BASE = "/api/docs#error-"

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
}


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass
class ApiError(Exception):
    """An API refusal: HTTP status, stable code, message, and the field at fault."""

    status: int
    code: str
    detail: str
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def response(self) -> Response:
        return problem(self.status, self.code, self.detail, param=self.param, headers=self.headers, errors=self.errors)


def problem_body(status: int, code: str, detail: str, *, param: str | None = None, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id(),
    }
    if param is not None:
        body["param"] = param
    if errors:
        body["errors"] = errors
    return body


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    """An ``application/problem+json`` response."""
    response = Response(
        json.dumps(problem_body(status, code, detail, param=param, errors=errors)),
        status=status,
        content_type=PROBLEM_TYPE,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def problem_for_response(response: Response) -> Response:
    """Rewrite an error response made outside the API's views into problem details.

    The app's own JSON errors (``{"error": {"code", "message"}}``) keep their
    code and message; anything else gets the status's default code. Headers
    such as ``Allow``, ``Retry-After`` and ``WWW-Authenticate`` are kept.
    """
    if response.status_code < 400 or (response.mimetype or "") == PROBLEM_TYPE:
        return response
    status = response.status_code
    code = DEFAULT_CODES.get(status, "error")
    detail = _title(status)
    if response.mimetype == "application/json":
        try:
            data = json.loads(await response.get_data(as_text=True))
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict):
                code = str(error.get("code") or code)
                detail = str(error.get("message") or detail)
        except ValueError:
            pass
    response.set_data(json.dumps(problem_body(status, code, detail)))
    response.mimetype = PROBLEM_TYPE
    response.headers.pop("Content-Length", None)
    response.content_length = len(await response.get_data())
    return response


# Every code the API answers with, for the reference page (``/api/docs#error-<code>``).
# Resources may add their own (``number_taken``); keep them short and stable.
CODES: dict[str, str] = {
    "bad_request": "400: the request could not be understood.",
    "invalid_json": "400: the body is not valid JSON.",
    "invalid_parameter": "400: a query parameter or header has a bad value (see param).",
    "unknown_parameter": "400: a query parameter this list does not know.",
    "invalid_cursor": "400: after is not the id of an object of this list.",
    "invalid_idempotency_key": "400: Idempotency-Key is not 1 to 255 visible ASCII characters.",
    "invalid_characters": "400: a control character or text that is not UTF-8.",
    "unauthorized": "401: no access token was sent.",
    "invalid_request": "401: the Authorization header is not 'Bearer <token>'.",
    "invalid_token": "401: the token is unknown, expired, revoked or of another business.",
    "insufficient_scope": "403: the token lacks the scope this route needs.",
    "not_found": "404: no such route or resource type.",
    "resource_missing": "404: no object with this id (or external id) in this business.",
    "unknown_host": "404: no business uses this host name.",
    "method_not_allowed": "405: the resource does not support this method (see Allow).",
    "conflict": "409: a value that must be unique is taken.",
    "number_taken": "409: another object has this number.",
    "external_id_taken": "409: another object of this type has this external id.",
    "idempotency_in_progress": "409: a request with this Idempotency-Key is still running.",
    "precondition_failed": "412: the object changed since the ETag sent in If-Match.",
    "unsupported_media_type": "415: write bodies must be application/json.",
    "validation_failed": "422: the body is not valid (see param and errors).",
    "idempotency_key_reused": "422: this Idempotency-Key was used for another request.",
    "rate_limited": "429: too many requests from this client; wait Retry-After seconds.",
    "server_error": "500: our fault; retry later with the same Idempotency-Key.",
}
