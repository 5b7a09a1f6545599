"""Prometheus metrics: what core counts, and the small API plugins count through.

Plugins (built-in or third-party) never touch prometheus-client directly:
they call :func:`count_payment`, :func:`count_webhook` or
:func:`count_email`, or make a counter of their own with :func:`counter`,
so every metric is named ``porchside_*`` and works in multi-process mode.

Several uvicorn workers (``serve --workers N``) each count in their own
process; with ``PROMETHEUS_MULTIPROC_DIR`` set (``serve`` sets one up when
it starts several workers) prometheus-client keeps the values in files
there and ``/metrics`` (:mod:`core.web.metrics`) adds them up. The variable
must be set before this module is imported, as prometheus-client reads it
once.

Counting never fails the work it counts: an unknown outcome is a
programming error caught by the tests, and nothing here touches the network.
"""

from __future__ import annotations

import os
from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, REGISTRY, generate_latest
from prometheus_client import multiprocess

PREFIX = "porchside_"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds; page renders are tens of milliseconds, PDF and CSV exports seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_DURATION = Histogram(
    "porchside_http_request_duration_seconds",
    "Time to answer a request, by URL rule (not the raw path), method and status.",
    ["route", "method", "status"],
    buckets=DURATION_BUCKETS,
)
REQUESTS = Counter(
    "porchside_http_requests",
    "Requests answered, by tenant (slug, empty for none), URL rule, method and status.",
    ["tenant", "route", "method", "status"],
)
JOBS = Counter(
    "porchside_jobs",
    "Background job attempts by task and outcome: done, retry, failed, skipped.",
    ["task", "outcome"],
)
EMAILS = Counter("porchside_emails", "Emails by outcome: sent, failed (for good), retry.", ["outcome"])
WEBHOOKS = Counter(
    "porchside_webhooks",
    "Webhook deliveries by direction (in, out), source or target (e.g. stripe), and outcome.",
    ["direction", "source", "outcome"],
)
PAYMENTS = Counter(
    "porchside_payments",
    "Card payments by plugin and outcome: attempted, succeeded, failed.",
    ["plugin", "outcome"],
)
DB_POOL = Gauge(
    "porchside_db_pool_connections",
    "Database connections of the app processes: size (open), in_use, max. SQLite has no pool.",
    ["state"],
    multiprocess_mode="livesum",
)

JOB_OUTCOMES = ("done", "retry", "failed", "skipped")
EMAIL_OUTCOMES = ("sent", "failed", "retry")
WEBHOOK_DIRECTIONS = ("in", "out")
WEBHOOK_OUTCOMES = ("accepted", "rejected", "delivered", "failed")
PAYMENT_OUTCOMES = ("attempted", "succeeded", "failed")


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def count_job(task: str, outcome: str) -> None:
    """One attempt of a background job ended with ``outcome`` (:data:`JOB_OUTCOMES`)."""
    JOBS.labels(task, _check(outcome, JOB_OUTCOMES, "job outcome")).inc()


def count_email(outcome: str) -> None:
    """One delivery attempt of an email ended with ``outcome`` (:data:`EMAIL_OUTCOMES`)."""
    EMAILS.labels(_check(outcome, EMAIL_OUTCOMES, "email outcome")).inc()


def count_webhook(direction: str, source: str, outcome: str) -> None:
    """A webhook received (``in``: accepted or rejected) or sent (``out``: delivered or failed).

    :param source: who sent it or where it went, a short fixed name
        (``"stripe"``), never a URL: every distinct value is a new series.
    """
    WEBHOOKS.labels(
        _check(direction, WEBHOOK_DIRECTIONS, "webhook direction"), source, _check(outcome, WEBHOOK_OUTCOMES, "webhook outcome")
    ).inc()


def count_payment(plugin: str, outcome: str) -> None:
    """A card payment was ``attempted`` (sent to the processor), ``succeeded`` or ``failed``."""
    PAYMENTS.labels(plugin, _check(outcome, PAYMENT_OUTCOMES, "payment outcome")).inc()


def counter(name: str, documentation: str, labelnames: Iterable[str] = ()) -> Counter:
    """A counter of a plugin's own, named ``porchside_<name>``; make it once, at import time.

    Exported as ``porchside_<name>_total``. Keep label values to a few
    fixed words: every distinct combination is a new series.
    """
    if name.startswith(PREFIX):
        name = name[len(PREFIX) :]
    return Counter(PREFIX + name, documentation, list(labelnames))


def record_pool_use() -> None:
    """Set the pool gauges from the database connection of this process (PostgreSQL only)."""
    from tortoise import connections

    try:
        pool = getattr(connections.get("default"), "_pool", None)
    except Exception:  # no database open (yet), or a backend without a pool
        return
    if pool is None or not hasattr(pool, "get_size"):
        return
    size = pool.get_size()
    DB_POOL.labels("size").set(size)
    DB_POOL.labels("in_use").set(size - pool.get_idle_size())
    DB_POOL.labels("max").set(pool.get_max_size())


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(extra: CollectorRegistry | None = None) -> bytes:
    """The text format of every metric: this process's, or all processes' in multi-process mode."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    text = generate_latest(registry)
    return text + (generate_latest(extra) if extra is not None else b"")


def prepare_multiprocess() -> str:
    """Give ``serve --workers N`` a shared folder for the workers' values (once, before they start).

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is kept (and must be
    emptied by them before each start, e.g. systemd's ``RuntimeDirectory``);
    otherwise a fresh temporary folder is made, which the child processes
    inherit through the environment.
    """
    import tempfile

    folder = multiprocess_dir()
    if folder is None:
        folder = tempfile.mkdtemp(prefix="porchside-metrics-")
        os.environ[MULTIPROC_ENV] = folder
    os.makedirs(folder, exist_ok=True)
    return folder
