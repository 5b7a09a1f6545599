"""Refuse characters nothing in Porchside can store or mean, before any view runs.

PostgreSQL refuses a NUL byte in text and asyncpg cannot encode a lone
surrogate: such a value reaching a query was a 500 on PostgreSQL (and
worked on SQLite), and reaching a queued job, a job retried for nothing.
So one ``before_request`` step (installed by the app factory, so plugins'
routes get it too) checks every request once:

- path: any control character or bytes that are not UTF-8 answer 404 (an
  id with such characters names nothing);
- query string, form fields (url-encoded and multipart) and JSON strings
  (keys too): C0 control characters other than tab, line feed and carriage
  return, DEL, lone surrogates and bytes that are not UTF-8 answer 400
  ``invalid_characters`` (a query value is text too: a link may prefill a
  form's multi-line field); upload file names follow the path's stricter
  rule.

A JSON request gets a JSON error body, a page an HTML error page. Queued
jobs are guarded as well (:func:`core.characters.storable`, checked by
:meth:`core.queue.base.TaskQueue.enqueue`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from quart import request
from quart.typing import ResponseReturnValue

from core.characters import ADDRESS_BAD, TEXT_BAD
from core.i18n import lazy_gettext
from core.web.errors import DEFAULT_MESSAGES, render_error

CODE = "invalid_characters"
FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,40}$")
FORM_TYPES = ("application/x-www-form-urlencoded", "application/x-url-encoded")


class _Refused(Exception):
    """The request holds a character it may not; ``field`` names where, if it can be named."""

    def __init__(self, field: str = "") -> None:
        super().__init__(field)
        self.field = field if FIELD_NAME.match(field or "") else ""


def _decode_strict(raw: bytes) -> str:
    """Percent-decoded UTF-8 text of a query string or url-encoded body, or :class:`_Refused`."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused() from None


def _check_pairs(raw: bytes, bad: re.Pattern[str]) -> None:
    """Each ``name=value`` of ``raw``, decoded, must be UTF-8 without a ``bad`` character."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded_name = _decode_strict(name)
        if bad.search(decoded_name):
            raise _Refused()
        if bad.search(_decode_strict(value)):
            raise _Refused(decoded_name)


def _check_json(value: Any, field: str = "") -> None:
    if isinstance(value, str):
        if TEXT_BAD.search(value):
            raise _Refused(field)
    elif isinstance(value, dict):
        for key, item in value.items():
            if TEXT_BAD.search(key):
                raise _Refused()
            _check_json(item, key)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, field)


def _path_is_clean() -> bool:
    raw = request.scope.get("raw_path")
    try:
        path = unquote_to_bytes(raw).decode("utf-8") if raw else request.path
    except UnicodeDecodeError:
        return False
    return ADDRESS_BAD.search(path) is None and ADDRESS_BAD.search(request.path) is None


async def _check_body() -> None:
    mimetype = request.mimetype
    if mimetype in FORM_TYPES:
        _check_pairs(await request.get_data(cache=True), TEXT_BAD)
    elif mimetype == "multipart/form-data":
        form = await request.form
        for name, value in form.items(multi=True):
            if TEXT_BAD.search(name):
                raise _Refused()
            if TEXT_BAD.search(value):
                raise _Refused(name)
        for name, upload in (await request.files).items(multi=True):
            if ADDRESS_BAD.search(name) or ADDRESS_BAD.search(upload.filename or ""):
                raise _Refused(name)
    elif request.is_json:
        raw = await request.get_data(cache=True)
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except UnicodeDecodeError:
            raise _Refused() from None
        except ValueError:
            return  # not JSON at all: the view answers that in its own words
        _check_json(data)


async def check_request() -> ResponseReturnValue | None:
    """before_request: answer 404 or 400 for characters no route may receive (see module doc)."""
    if not _path_is_clean():
        code, message = DEFAULT_MESSAGES[404]
        return await render_error(404, code, message)
    try:
        _check_pairs(request.query_string, TEXT_BAD)
    except _Refused as refused:
        if refused.field:
            return await _refuse(lazy_gettext(
                "The web address (its “%(field)s” part) contains characters that are not allowed (a control character"
                " such as a NUL byte, or text that is not UTF-8). Check the link and try again.", field=refused.field,
            ))
        return await _refuse(lazy_gettext(
            "The web address contains characters that are not allowed (a control character such as a NUL byte,"
            " or text that is not UTF-8). Check the link and try again."
        ))
    try:
        await _check_body()
    except _Refused as refused:
        if refused.field:
            return await _refuse(lazy_gettext(
                "The field “%(field)s” contains characters that are not allowed (a control character such as a NUL"
                " byte, or text that is not UTF-8). Remove them and try again.", field=refused.field,
            ))
        return await _refuse(lazy_gettext(
            "What was sent contains characters that are not allowed (a control character such as a NUL byte,"
            " or text that is not UTF-8). Remove them and try again."
        ))
    return None


async def _refuse(message: Any) -> ResponseReturnValue:
    return await render_error(400, CODE, message, as_json=True if request.is_json else None)
