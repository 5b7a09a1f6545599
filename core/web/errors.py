"""Error pages and JSON error bodies with stable codes; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from quart import Quart, Response, jsonify, render_template, request
from tortoise.exceptions import ValidationError
from werkzeug.exceptions import HTTPException

from core.i18n import SOURCE_LANGUAGE, language, lazy_gettext
from core.outage import RETRY_AFTER, OutageLog, unavailable_service

log = logging.getLogger("porchside.errors")

# Messages are lazy: each is read in the language of whoever gets the error.
DEFAULT_MESSAGES = {
    400: ("bad_request", lazy_gettext("The request could not be understood.")),
    403: ("forbidden", lazy_gettext("You are not allowed to do that.")),
    404: ("not_found", lazy_gettext("There is no page at this address.")),
    405: ("method_not_allowed", lazy_gettext("That action is not available here.")),
    413: ("too_large", lazy_gettext("The upload is too large.")),
    429: ("rate_limited", lazy_gettext("Too many attempts. Please wait a little and try again.")),
    500: ("server_error", lazy_gettext("Something went wrong on our side. Please try again.")),
    503: ("unavailable", lazy_gettext("This portal is briefly unavailable. Please try again in a minute.")),
}


def is_integration_api() -> bool:
    """The integration API and its token endpoint: machine clients, whose messages stay English."""
    return request.path.startswith(("/api/", "/oauth/"))


def wants_json() -> bool:
    if is_integration_api():  # machine clients: the API and its token endpoint
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


async def render_error(status: int, code: str, message: Any, *, as_json: bool | None = None) -> Response:
    """An error page, or ``{"error": {"code", "message"}}`` when the client wants JSON.

    :param message: for people: a ``lazy_gettext`` text (read in the reader's
        language; the integration API's JSON gets the English) or a str.
    :param as_json: force the JSON body (True) or the page (False); by
        default :func:`wants_json` decides.
    """
    if wants_json() if as_json is None else as_json:
        if is_integration_api():
            with language(SOURCE_LANGUAGE):
                message = str(message)
        response = jsonify({"error": {"code": code, "message": str(message)}})
    else:
        response = Response(
            await render_template("errors/error.html", status=status, code=code, message=str(message)),
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
        code, message = DEFAULT_MESSAGES.get(exc.code or 500, ("error", exc.description or lazy_gettext("Error")))
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
