"""``porchside worker``: take jobs from Redis in a process of their own.

Production runs app instances with ``PORCHSIDE_RUN_WORKER=false`` and one
or more of these; each builds the same plugins and services as an app, so
tasks see exactly what requests see.

While it runs, the worker checks its database and Redis every
:data:`CHECK_EVERY` seconds and logs each change of state in one line.
When the database is unreachable it stops taking jobs (an attempt would
only fail and use up a retry) and checks again after 1, 2, 4 ... up to
:data:`MAX_BACKOFF` seconds; when both answer again it takes jobs again.

It is also the relay of the email outbox: every :data:`RELAY_EVERY`
seconds (and at start and after an outage) emails still ``queued`` in the
database are queued again; a job key per email keeps each one sent once.
That is what delivers an email stored while Redis was away
(``porchside tenant create`` during an outage).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from core.config import ConfigError, Settings
from core.db import close_database, open_database, tortoise_config
from core.logs import configure_logging
from core.plugins import PluginHost
from core.services import Services

log = logging.getLogger("porchside.worker")

# Seconds between two checks of the database and Redis while all is well.
CHECK_EVERY = 10.0
# Longest wait between two checks while something is unreachable.
MAX_BACKOFF = 60.0
# Seconds between two passes of the outbox relay.
RELAY_EVERY = 60.0
# Seconds the queue may take to stop taking jobs when the database goes away.
PAUSE_TIMEOUT = 30.0


def run_worker(settings: Settings, wait: float = 0, warn=None) -> None:
    """Check the services, then run a worker until SIGINT or SIGTERM.

    :param wait: seconds to keep trying an unreachable database or Redis.
    :param warn: called with a line for each warning of the checks.
    :raises ConfigError: without ``PORCHSIDE_REDIS_URL`` (jobs then live in
        the app's memory, where no other process can take them).
    :raises ServicesUnavailable: the database or Redis cannot be reached.
    """
    if settings.embedded:
        raise ConfigError(
            "PORCHSIDE_REDIS_URL: `porchside worker` needs Redis; without it, jobs run inside the app process"
        )
    from core.service_checks import require_services

    require_services(settings, wait, warn=warn)
    configure_logging(settings.log_format or "json")
    asyncio.run(serve_worker(settings))


async def serve_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Take jobs until ``stop`` is set or the process gets SIGINT or SIGTERM."""
    stop = stop or asyncio.Event()
    host = PluginHost().load(allowed=settings.plugins, load_entry_points=settings.load_entry_points)
    services = Services.build(settings, host)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await open_database(tortoise_config(settings, host.model_apps()))
    try:
        await services.queue.start_worker()
        log.info("worker started (queue %s:queue, plugins: %s)", settings.redis_prefix, ", ".join(host.plugin_names()) or "none")
        await watch_services(settings, services, stop)
        log.info("worker stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await services.queue.stop_worker()
        await services.close()
        await close_database()


async def watch_services(
    settings: Settings, services: Services, stop: asyncio.Event, every: float = CHECK_EVERY, max_backoff: float = MAX_BACKOFF
) -> None:
    """Until ``stop`` is set: check the database and Redis, log changes, pause jobs while the database is away."""
    from core.service_checks import check_database, check_redis

    delay = every
    down: dict[str, str] = {}  # variable -> the problem last logged
    loop = asyncio.get_running_loop()
    relayed = await _relay(services, -RELAY_EVERY)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
            return
        except asyncio.TimeoutError:
            pass
        problems = {p.variable: str(p) for p in await asyncio.gather(check_database(settings), check_redis(settings)) if p}
        if problems:
            # Back-off: 1 s after the first failure, doubling while it lasts.
            delay = min(max_backoff, delay * 2) if down else 1.0
            for variable, problem in problems.items():
                if down.get(variable) != problem:
                    log.error("worker: %s; jobs wait until it is back (next check in %g s)", problem, delay)
            if "DATABASE_URL" in problems and services.queue.working:
                try:
                    await asyncio.wait_for(services.queue.stop_worker(), PAUSE_TIMEOUT)
                except asyncio.TimeoutError:
                    log.warning("worker: the queue took more than %g s to pause", PAUSE_TIMEOUT)
                log.warning("worker: paused, taking no jobs while the database is unreachable")
            down = problems
            continue
        if down:
            if not services.queue.working:
                await services.queue.start_worker()
            log.warning("worker: database and Redis reachable again; taking jobs")
            down = {}
            relayed = -RELAY_EVERY
        if loop.time() - relayed >= RELAY_EVERY:
            relayed = await _relay(services, relayed)
        delay = every


async def _relay(services: Services, last: float) -> float:
    """Queue the emails left ``queued`` (outbox rows); return when it ran (or ``last`` on failure)."""
    from core.mail.delivery import requeue_waiting

    try:
        await requeue_waiting(services)
    except Exception as exc:  # an outage: the state line says so, the next pass tries again
        log.warning("worker: the outbox relay could not run: %s: %s", type(exc).__name__, exc)
        return last
    return asyncio.get_running_loop().time()
