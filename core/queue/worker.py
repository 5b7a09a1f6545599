"""``porchside worker``: take jobs from Redis in a process of their own.

Production runs app instances with ``PORCHSIDE_RUN_WORKER=false`` and one
or more of these; each builds the same plugins and services as an app, so
tasks see exactly what requests see.
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


def run_worker(settings: Settings) -> None:
    """Run a worker until SIGINT or SIGTERM.

    :raises ConfigError: without ``PORCHSIDE_REDIS_URL`` (jobs then live in
        the app's memory, where no other process can take them).
    """
    if settings.embedded:
        raise ConfigError(
            "PORCHSIDE_REDIS_URL: `porchside worker` needs Redis; without it, jobs run inside the app process"
        )
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
        await stop.wait()
        log.info("worker stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await services.queue.stop_worker()
        await services.close()
        await close_database()
