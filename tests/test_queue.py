"""The task queue on both backends: in-process (sqlite run) and saq on Redis (postgres run)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core import hookimpl
from core.mail import send_email
from core.models.mail import OutboundEmail
from core.plugin_state import set_enabled
from core.config import ConfigError, Settings
from core.plugins import PluginError, PluginHost
from core.queue import NoRetry, QueueError
from core.queue.cron import dispatch_cron
from core.queue.registry import CRON_DISPATCH
from core.queue.worker import run_worker
from core.records import PluginInfo, Task
from core.services import Services, current_services
from core.testing import SECRET, database_environment, eventually, jobs_settled
from tenants.context import NoTenantError, current_tenant_or_none, use_tenant
from tenants.service import create_tenant, set_active

ROOT = Path(__file__).resolve().parent.parent
FAST_RETRIES = {"queue_retry_delay": 0.05, "queue_retry_max_delay": 0.25, "queue_schedule_every": 0.05}


@dataclass
class Run:
    task: str
    tenant: str | None
    kwargs: dict
    attempt: int
    key: str
    at: float
    services: object
    seen: object = None


@dataclass
class QueuePlugin:
    """A plugin whose tasks record every run."""

    cron: str = "0 3 * * *"
    runs: list[Run] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @hookimpl
    def porchside_plugin_info(self):
        return PluginInfo(name="qtest", label="Queue test", default_enabled=True)

    @hookimpl
    def porchside_tasks(self):
        return [
            Task("qtest.record", self.record),
            Task("qtest.flaky", self.flaky, retries=3),
            Task("qtest.broken", self.broken, retries=2),
            Task("qtest.refuse", self.refuse, retries=5),
            Task("qtest.scheduled", self.scheduled, cron=self.cron),
            Task("qtest.whoami", self.whoami),
            Task("qtest.hold", self.hold),
        ]

    def _run(self, job, services, seen=None, **kwargs) -> None:
        tenant = current_tenant_or_none()
        self.runs.append(Run(job.name, tenant.slug if tenant else None, kwargs, job.attempt, job.key, time.monotonic(), services, seen))

    async def record(self, services, job, **kwargs):
        try:
            seen = sorted(await OutboundEmail.all().values_list("subject", flat=True))
        except NoTenantError:
            seen = "no tenant"
        self._run(job, services, seen, **kwargs)

    async def flaky(self, services, job, fail_times: int):
        self._run(job, services)
        if job.attempt <= fail_times:
            raise ConnectionError(f"attempt {job.attempt} fails")

    async def broken(self, job, services):
        self._run(job, services)
        raise RuntimeError("always broken")

    async def refuse(self, job, services):
        self._run(job, services)
        raise NoRetry("retrying cannot help")

    async def scheduled(self, job, services):
        self._run(job, services)

    async def whoami(self, job, services):
        # Code a task calls (a plugin's event handler, say) finds the services itself.
        self._run(job, services, seen=current_services())

    async def hold(self, job, services):
        self._run(job, services)
        await self.release.wait()

    def of(self, task: str) -> list[Run]:
        return [r for r in self.runs if r.task == task]


@pytest.fixture
def plugin():
    return QueuePlugin()


@pytest.fixture
async def qapp(make_app, plugin):
    async with make_app(plugins=[("qtest", plugin)], **FAST_RETRIES) as started:
        yield started


@pytest.fixture
async def shops(qapp):
    acme = await create_tenant("acme", "Acme Pool Care", contact_email="office@acme.test")
    globex = await create_tenant("globex", "Globex Plumbing", contact_email="office@globex.test")
    return acme, globex


def queue_of(app):
    return app.extensions["porchside"].queue


def log_has(caplog, text: str):
    return lambda: any(text in record.getMessage() for record in caplog.records)


async def test_task_runs_in_its_tenant_scope_with_its_arguments(qapp, shops, plugin):
    acme, globex = shops
    for tenant in shops:
        with use_tenant(tenant):
            await OutboundEmail.create(kind="t", to="a@example.com", subject=f"row of {tenant.slug}", text="t")
    queue = queue_of(qapp)

    key = await queue.enqueue("qtest.record", tenant=acme, note="hi", numbers=[1, 2])
    await queue.enqueue("qtest.record", note="no tenant")
    await eventually(lambda: len(plugin.of("qtest.record")) == 2)

    by_note = {r.kwargs["note"]: r for r in plugin.runs}
    scoped = by_note["hi"]
    assert scoped.key == key
    assert scoped.tenant == "acme"
    assert scoped.kwargs == {"note": "hi", "numbers": [1, 2]}
    assert scoped.seen == ["row of acme"]  # not globex's row
    assert scoped.services is qapp.extensions["porchside"]
    assert by_note["no tenant"].tenant is None
    assert by_note["no tenant"].seen == "no tenant"


async def test_code_a_task_calls_reaches_the_services_without_an_app(qapp, shops, plugin):
    await queue_of(qapp).enqueue("qtest.whoami", tenant=shops[0])
    [run] = await eventually(lambda: plugin.of("qtest.whoami"))
    assert run.seen is qapp.extensions["porchside"]
    # Outside a request and outside a task there is nothing to find.
    with pytest.raises(RuntimeError, match="pass the services explicitly"):
        current_services()


async def test_same_key_twice_runs_once(qapp, shops, plugin):
    acme, globex = shops
    queue = queue_of(qapp)

    first = await queue.enqueue("qtest.record", tenant=acme, key="invoice-1", note="first")
    again = await queue.enqueue("qtest.record", tenant=acme, key="invoice-1", note="second")
    other_tenant = await queue.enqueue("qtest.record", tenant=globex, key="invoice-1", note="globex")
    assert first is not None and other_tenant is not None
    assert again is None
    await eventually(lambda: len(plugin.runs) == 2)
    # Still ignored once the first job has finished.
    assert await queue.enqueue("qtest.record", tenant=acme, key="invoice-1", note="third") is None
    await jobs_settled(qapp)  # a wrong second run would have run by now
    assert sorted((r.tenant, r.kwargs["note"]) for r in plugin.runs) == [("acme", "first"), ("globex", "globex")]


async def test_idle_waits_for_running_and_due_jobs_not_for_later_ones(qapp, shops, plugin):
    acme, _ = shops
    queue = queue_of(qapp)
    assert await queue.idle()
    await queue.enqueue("qtest.record", tenant=acme, note="next week", delay=7 * 86400)
    assert await queue.idle()  # a job for later is not work in hand
    await queue.enqueue("qtest.hold", tenant=acme)
    try:
        await eventually(lambda: plugin.of("qtest.hold"))
        assert not await queue.idle()  # running
    finally:
        plugin.release.set()
    await jobs_settled(qapp)
    assert [r.task for r in plugin.runs] == ["qtest.hold"]


async def test_failed_attempts_are_retried_with_back_off(qapp, shops, plugin, caplog):
    acme, _ = shops
    caplog.set_level(logging.WARNING, "porchside.queue")

    await queue_of(qapp).enqueue("qtest.flaky", tenant=acme, fail_times=2)
    await eventually(lambda: len(plugin.of("qtest.flaky")) == 3)

    runs = plugin.of("qtest.flaky")
    assert [r.attempt for r in runs] == [1, 2, 3]
    # Back-off doubles from 0.05 s and at least half of each delay is fixed.
    assert runs[1].at - runs[0].at >= 0.025
    assert runs[2].at - runs[1].at >= 0.05
    warnings = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(warnings) == 2 and "attempt 1 of 4" in warnings[0] and "ConnectionError" in warnings[0]


async def test_a_job_that_keeps_failing_stops_and_is_logged(qapp, shops, plugin, caplog):
    acme, _ = shops
    caplog.set_level(logging.WARNING, "porchside.queue")

    await queue_of(qapp).enqueue("qtest.broken", tenant=acme)
    await eventually(log_has(caplog, "failed for good after 3 attempts"))

    final = next(r for r in caplog.records if "failed for good" in r.getMessage())
    assert final.levelno == logging.ERROR and final.exc_info is not None
    assert [r.attempt for r in plugin.of("qtest.broken")] == [1, 2, 3]


async def test_no_retry_fails_at_once(qapp, shops, plugin, caplog):
    acme, _ = shops
    caplog.set_level(logging.WARNING, "porchside.queue")

    await queue_of(qapp).enqueue("qtest.refuse", tenant=acme)
    await eventually(log_has(caplog, "will not be retried: retrying cannot help"))

    assert [r.attempt for r in plugin.of("qtest.refuse")] == [1]


async def test_delay_holds_a_job_back(qapp, shops, plugin):
    acme, _ = shops
    start = time.monotonic()
    await queue_of(qapp).enqueue("qtest.record", tenant=acme, delay=0.2, note="later")
    await eventually(lambda: plugin.runs)
    assert plugin.runs[0].at - start >= 0.2


async def test_enqueue_refuses_what_cannot_run(qapp, shops):
    acme, _ = shops
    queue = queue_of(qapp)
    with pytest.raises(QueueError, match="no task named 'qtest.nope'"):
        await queue.enqueue("qtest.nope", tenant=acme)
    with pytest.raises(QueueError, match="JSON"):
        await queue.enqueue("qtest.record", tenant=acme, when=datetime.now(timezone.utc))
    with pytest.raises(QueueError, match="services"):
        await queue.enqueue("qtest.record", tenant=acme, services="mine")
    with pytest.raises(QueueError, match="negative"):
        await queue.enqueue("qtest.record", tenant=acme, delay=-1)


async def test_task_of_a_plugin_turned_off_is_skipped(qapp, shops, plugin, caplog):
    acme, globex = shops
    services = qapp.extensions["porchside"]
    caplog.set_level(logging.INFO, "porchside.queue")
    with use_tenant(globex):
        await set_enabled("qtest", False, services.plugins, services.cache)

    await services.queue.enqueue("qtest.record", tenant=globex, note="off")
    await services.queue.enqueue("qtest.record", tenant=acme, note="on")
    await eventually(log_has(caplog, "plugin qtest is off for globex"))
    await eventually(lambda: plugin.runs)

    assert [(r.tenant, r.kwargs["note"]) for r in plugin.runs] == [("acme", "on")]


async def test_scheduled_task_runs_once_per_tenant_that_has_it_enabled(qapp, shops, plugin):
    acme, globex = shops
    services = qapp.extensions["porchside"]
    initech = await create_tenant("initech", "Initech Lawns")
    await set_active(initech, False, services.resolver)
    with use_tenant(globex):
        await set_enabled("qtest", False, services.plugins, services.cache)
    slot = "2030-01-01T03:00:00+00:00"

    # Two workers reaching the same time enqueue the same dispatch key ...
    for _ in range(2):
        await services.queue.enqueue(CRON_DISPATCH, key=f"qtest.scheduled@{slot}", task="qtest.scheduled", slot=slot)
    await eventually(lambda: plugin.of("qtest.scheduled"))
    # ... and a dispatch run again (a retry) enqueues nothing new.
    assert await dispatch_cron("qtest.scheduled", slot, services) == 0
    await jobs_settled(qapp)  # a wrong second run would have run by now

    runs = plugin.of("qtest.scheduled")
    assert [r.tenant for r in runs] == ["acme"]
    assert runs[0].key.endswith(f"cron@{slot}")


async def test_scheduler_fires_a_cron_task_on_its_own(make_app):
    every_second = QueuePlugin(cron="* * * * * *")
    async with make_app(plugins=[("qtest", every_second)]) as started:
        await create_tenant("acme", "Acme Pool Care")
        await create_tenant("globex", "Globex Plumbing")
        await eventually(lambda: len({r.key.split(":")[1] for r in every_second.of("qtest.scheduled")}) == 2, timeout=10)
        assert started.extensions["porchside"].queue.working

    runs = every_second.of("qtest.scheduled")
    keys = [r.key for r in runs]
    assert len(keys) == len(set(keys)), "a tenant ran twice for one time"
    assert {r.tenant for r in runs} == {"acme", "globex"}


@pytest.fixture
def redis_only(porchside_backend):
    if porchside_backend.redis_url is None:
        pytest.skip("the in-process queue is one process by design; sharing jobs needs Redis")


async def test_job_enqueued_on_one_instance_runs_on_another(redis_only, make_app, porchside_settings_factory):
    """A web instance without a worker; a second instance's worker takes its job through Redis.

    (Tortoise allows one database set-up per process, so the second instance
    here is its plugins, services and worker without a web app of its own;
    the test below runs a real second process.)
    """
    plugin = QueuePlugin()
    settings = porchside_settings_factory(run_worker_in_app=False)
    async with make_app(plugins=[("qtest", plugin)], settings=settings) as web_app:
        acme = await create_tenant("acme", "Acme Pool Care")
        other = Services.build(settings, PluginHost().load(extra=[("qtest", plugin)]))
        await other.queue.start_worker()
        try:
            assert not queue_of(web_app).working
            await queue_of(web_app).enqueue("qtest.record", tenant=acme, note="across")
            await eventually(lambda: plugin.runs)
        finally:
            await other.queue.stop_worker()
            await other.close()
    assert plugin.runs[0].tenant == "acme"
    assert plugin.runs[0].services is other


async def test_porchside_worker_process_delivers_queued_email(redis_only, make_app, porchside_settings_factory):
    settings = porchside_settings_factory(run_worker_in_app=False, dev_outbox=True)
    async with make_app(settings=settings) as app:
        acme = await create_tenant("acme", "Acme Pool Care")
        with use_tenant(acme):
            email = await send_email(
                app.extensions["porchside"], to="pat@example.com", template="test", context={"name": "Pat", "path": "/"}, kind="test"
            )
        env = {
            **os.environ,
            **database_environment(settings),
            "PORCHSIDE_REDIS_URL": settings.redis_url,
            "PORCHSIDE_REDIS_PREFIX": settings.redis_prefix,
            "PORCHSIDE_SECRET_KEY": settings.secret_key,
            "PORCHSIDE_DATA_DIR": str(settings.data_dir),
            "PORCHSIDE_DEV_OUTBOX": "true",
            # A PostgreSQL URL implies production mode, which refuses the dev outbox.
            "PORCHSIDE_ENV": "development",
        }
        code = "from core.config import Settings; from core.queue.worker import run_worker; run_worker(Settings.from_env())"
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:

            async def delivered():
                with use_tenant(acme):
                    return (await OutboundEmail.get(id=email.id)).status == "sent"

            await eventually(delivered, timeout=30, interval=0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode()
        assert process.returncode == 0, output
        assert "worker started" in output


def test_queue_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "PORCHSIDE_RUN_WORKER": "false",
            "PORCHSIDE_QUEUE_CONCURRENCY": "2",
            "PORCHSIDE_QUEUE_RETRY_DELAY": "5",
            "PORCHSIDE_QUEUE_RETRY_MAX_DELAY": "600",
        },
        data_dir=tmp_path,
        secret_key=SECRET,
    )
    assert (settings.run_worker_in_app, settings.queue_concurrency) == (False, 2)
    assert (settings.queue_retry_delay, settings.queue_retry_max_delay) == (5.0, 600.0)
    with pytest.raises(ConfigError, match="QUEUE_CONCURRENCY"):
        Settings.from_env({"PORCHSIDE_QUEUE_CONCURRENCY": "0"}, data_dir=tmp_path, secret_key=SECRET)


def test_worker_command_needs_redis(tmp_path):
    with pytest.raises(ConfigError, match="needs Redis"):
        run_worker(Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET))


def test_bad_cron_expression_stops_start_up(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET)
    host = PluginHost().load(extra=[("qtest", QueuePlugin(cron="every tuesday"))], load_entry_points=False)
    with pytest.raises(PluginError, match="'qtest.scheduled' has cron 'every tuesday'"):
        Services.build(settings, host)
