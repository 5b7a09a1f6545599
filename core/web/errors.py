"""Error pages and JSON error bodies with stable codes; never a stack trace."""

from __future__ import annotations

import logging

from quart import Quart, Response, jsonify, render_template, request
from tortoise.exceptions import ValidationError
from werkzeug.exceptions import HTTPException

from core.outage import RETRY_AFTER, OutageLog, unavailable_service

log = logging.getLogger("porchside.errors")

DEFAULT_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "You are not allowed to do that."),
    404: ("not_found", "There is no page at this address."),
    405: ("method_not_allowed", "That action is not available here."),
    413: ("too_large", "The upload is too large."),
    429: ("rate_limited", "Too many attempts. Please wait a little and try again."),
    500: ("server_error", "Something went wrong on our side. Please try again."),
    503: ("unavailable", "This portal is briefly unavailable. Please try again in a minute."),
}


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/oauth/")):  # machine clients: the API and its token endpoint
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


async def render_error(status: int, code: str, message: str, *, as_json: bool | None = None) -> Response:
    """An error page, or ``{"error": {"code", "message"}}`` when the client wants JSON.

    :param as_json: force the JSON body (True) or the page (False); by
        default :func:`wants_json` decides.
    """
    if wants_json() if as_json is None else as_json:
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = Response(
            await render_template("errors/error.html", status=status, code=code, message=message),
            content_type="text/html; charset=utf-8",
        )
    response.status_code = status
    return response


async def render_portal_off(tenant) -> Response:
    response = Response(
        await render_template("errors/portal_off.html", tenant=tenant),
        content_type="text/html; charset=utf-8",
    )
    response.status_code = 503
    response.headers["Retry-After"] = "3600"
    return response


def install(app: Quart) -> None:
    outages = OutageLog()
    app.extensions["porchside.outages"] = outages

    @app.after_request
    async def _outage_over(response: Response) -> Response:
        if outages.active and response.status_code < 500:
            outages.succeeded()
        return response

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException):
        code, message = DEFAULT_MESSAGES.get(exc.code or 500, ("error", exc.description or "Error"))
        return await render_error(exc.code or 500, code, message)

    @app.errorhandler(ValidationError)
    async def _invalid_value(exc: ValidationError):
        # A value the model refuses, e.g. an over-long id in a URL: bad input, not a server error.
        code, message = DEFAULT_MESSAGES[400]
        return await render_error(400, code, message)

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception):
        service = unavailable_service(exc)
        if service is not None:
            # An outage, not a bug: one rate-limited line instead of a traceback per request.
            outages.failed(service, exc)
            code, message = DEFAULT_MESSAGES[503]
            response = await render_error(503, code, message)
            response.headers["Retry-After"] = str(RETRY_AFTER)
            return response
        log.exception("unhandled error on %s %s", request.method, request.path)
        code, message = DEFAULT_MESSAGES[500]
        return await render_error(500, code, message)
