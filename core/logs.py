"""Log lines as JSON (one object a line) or plain text, with the request and tenant on each.

Built on the standard library rather than structlog: uvicorn, saq, Tortoise
and our own modules all log through :mod:`logging` already, so one
formatter and one filter on the root handler give every line (ours and
theirs) the same shape, with no second logging API for plugin authors to
learn and no extra dependency.

Every line carries ``time`` (UTC, ISO 8601), ``level``, ``logger`` and
``message``, plus, when known: ``request_id``, ``tenant`` (slug),
``route`` (the URL rule, never the raw path, which may hold a sign-in
token), ``method``, ``status``, ``duration_ms`` and ``plugin``; background
jobs add ``task`` and ``job``. ``serve`` and ``worker`` log JSON by default,
``demo`` plain text; ``PORCHSIDE_LOG_FORMAT=json|text`` chooses.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Iterator

LOG_FORMATS = ("json", "text")
# Fields a line may carry besides time, level, logger and message, in output order.
FIELDS = ("request_id", "tenant", "route", "method", "status", "duration_ms", "plugin", "task", "job")

# Fields of work outside a request (a background job), set by log_context().
_context: ContextVar[dict[str, Any]] = ContextVar("porchside_log_context", default={})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (e.g. ``task``, ``job``, ``plugin``) to every line logged in the block."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _context.reset(token)


def _request_fields() -> dict[str, Any]:
    from quart import g, has_request_context, request

    if not has_request_context():
        return {}
    from core.web.request_id import request_id

    fields: dict[str, Any] = {"request_id": request_id(), "method": request.method}
    rule = request.url_rule
    fields["route"] = rule.rule if rule is not None else "<unmatched>"
    tenant = g.get("tenant")
    if tenant is not None:
        fields["tenant"] = tenant.slug
    plugin = g.get("log_plugin")
    if plugin:
        fields["plugin"] = plugin
    return fields


def _tenant_slug() -> str | None:
    from tenants.context import current_tenant_or_none

    tenant = current_tenant_or_none()
    return tenant.slug if tenant is not None else None


class ContextFilter(logging.Filter):
    """Copy the request's or job's fields onto each record (never overriding ``extra=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            fields = {**_context.get(), **_request_fields()}
            if "tenant" not in fields and (slug := _tenant_slug()):
                fields["tenant"] = slug
        except Exception:  # a log line must never fail because its context could not be read
            fields = {}
        for name, value in fields.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) not in (None, "")}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log collectors (Loki, CloudWatch, journald) parse as is."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [field=value ...]``, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields_of(record)
        if not fields:
            return text
        head, sep, tail = text.partition("\n")  # keep a traceback below the fields
        extra = " ".join(f"{name}={value}" for name, value in fields.items())
        return f"{head} [{extra}]{sep}{tail}"


def logging_config(log_format: str = "json", level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` dict: one stderr handler on the root logger.

    Also handed to uvicorn as its ``log_config``, so each server process
    (``--workers``) sets it up, and uvicorn's own loggers go through the
    same handler instead of hiding every other logger's INFO lines.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    formatter = "core.logs.JsonFormatter" if log_format == "json" else "core.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logs.ContextFilter"}},
        "formatters": {"porchside": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["context"],
                "formatter": "porchside",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(log_format: str = "json", level: str = "INFO", stream: Any = None) -> None:
    """Set up the root logger for this process (``serve``, ``worker``, ``demo``)."""
    config = logging_config(log_format, level)
    if stream is not None and stream is not sys.stderr:
        config["handlers"]["stderr"]["stream"] = stream
    logging.config.dictConfig(config)
