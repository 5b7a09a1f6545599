"""Several instances, proved (issue 15, item 5).

Two ``porchside serve`` and two ``porchside worker`` processes (real
subprocesses of the CLI, on free loopback ports) share one PostgreSQL
database, one Redis and one SMTP relay, as docs/deployment.md ("Several
instances") describes. One run checks, in order:

1. a customer signs in through instance A's form; instance B knows the session;
2. a message posted through A reaches a stream open on B, through Redis
   pub/sub (sooner than the stream's own periodic re-read of the database);
3. a bulk invite of 200 customers sent from the console: every address gets
   exactly one email, and both workers send; Redis is killed (SIGKILL) and
   started again while every one of those emails is queued or being sent.
   With Redis run as the deployment guide says (AOF, fsync on every write)
   no job is lost or run twice, and the apps and workers carry on without
   being restarted (sessions, pub/sub and the queue work after it);
4. a worker killed with SIGKILL in the middle of sending an email: its job
   goes to the other worker once the heartbeat runs out, and the email
   arrives once.

PostgreSQL and Redis only: SQLite and the in-process queue are one process
by design, so this test is not run on the SQLite backend. The Redis is the
test's own (on a free port, its AOF in a temporary folder), so killing it
disturbs nobody else's tests; the database is a fresh copy of the migrated
template, dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
from collections import Counter
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pytest

from core.testing import (
    SECRET,
    _create_postgres_database,
    _database_url,
    _drop_postgres_database,
    _free_port,
    _installed_plugin_apps,
    _pg_reachable,
    _unavailable,
    eventually,
    wait_until,
)
from tests.private_services import PrivateRedis
from tests.test_console_invites import many_customers

ROOT = Path(__file__).resolve().parents[1]
SLUG = "acme"
HOST = f"{SLUG}.localhost"
PASSWORD = "a long and correct horse battery"
PAT = "pat@example.com"
HAL = "hal@example.com"  # the customer whose sign-in email is held while its worker is killed
STAFF = "owner@acme.test"
INVITES = 200
CONCURRENCY = 4  # jobs per worker: the gate below holds 2 x this many when both workers send
HEARTBEAT = 5  # seconds: how soon a dead worker's job goes to another (a busy CI machine must not stall a worker this long)
START_TIMEOUT = 120.0  # a bound: four processes start at once on a machine that may be busy


class SmtpRelay:
    """A real SMTP server (aiosmtpd) that counts a message once it answered 250 to its DATA.

    * ``gate``: while cleared, every message waits at DATA (a job "in progress").
    * ``hold``: the first message to this address waits until its sender's
      connection drops; such a message was never accepted, as with any relay.
    """

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.accepted: list[tuple[list[str], EmailMessage]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = 0
        self.hold: str | None = None
        self.held_peer: tuple[str, int] | None = None
        self.dropped = 0
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self.gate.set()
        self._controller.stop()

    def count(self, address: str) -> int:
        return sum(rcpts.count(address) for rcpts, _ in self.accepted)

    def recipients(self) -> Counter:
        return Counter(address for rcpts, _ in self.accepted for address in rcpts)

    async def handle_DATA(self, server, session, envelope):
        try:
            if self.hold in envelope.rcpt_tos and self.held_peer is None:
                self.held_peer = session.peer
                # aiosmtpd cancels this when the client's connection drops.
                await asyncio.sleep(60)
                return "451 4.3.0 Held too long; try again"
            if not self.gate.is_set():
                self.waiting += 1
                try:
                    while not self.gate.is_set():
                        await asyncio.sleep(0.02)
                finally:
                    self.waiting -= 1
        except asyncio.CancelledError:
            self.dropped += 1
            raise
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        self.accepted.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class Porchside:
    """One ``porchside serve`` or ``porchside worker`` process, its output in a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "core.cli", *args],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with status {self.process.returncode}:\n{self.tail()}")
        return True

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Server(Porchside):
    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.port = _free_port()
        self._probe: httpx.Client | None = None
        super().__init__(name, ["serve", "--host", "127.0.0.1", "--port", str(self.port)], env, folder)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ready(self) -> bool:
        self.alive()
        # One client for every poll: a new one per call (httpx.get) loads the
        # CA bundle each time, 60 ms of CPU per poll while the servers start.
        if self._probe is None:
            self._probe = httpx.Client(timeout=2)
        try:
            return self._probe.get(self.url("/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        super().stop()


class Worker(Porchside):
    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        super().__init__(name, ["worker"], env, folder)

    def ready(self) -> bool:
        self.alive()
        return "worker started" in self.log_path.read_text(errors="replace")


def holder_of(port: int, processes: list[Porchside]) -> Porchside:
    """The process whose TCP socket has local port ``port`` (Linux /proc, no extra package)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in list(handle)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for candidate in processes:
        fd_dir = f"/proc/{candidate.process.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return candidate
    raise AssertionError(f"no process of the test holds local port {port}")


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(batch_token|text_hash|key)" value="([^"]+)">')


class Browser:
    """One person's browser: one cookie jar, whichever instance it talks to."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(headers={"Host": HOST}, timeout=20)

    async def page(self, server: Server, path: str) -> str:
        response = await self.http.get(server.url(path))
        assert response.status_code == 200, (server.name, path, response.status_code, response.text[:500])
        return response.text

    async def submit(self, server: Server, path: str, form_page: str, fields: dict[str, str]) -> httpx.Response:
        """POST a form of ``form_page`` (already read from ``server``) with its CSRF token, as a browser would."""
        token = CSRF_INPUT.search(form_page)
        assert token, f"no CSRF field on the page that has the form for {path}"
        return await self.http.post(server.url(path), data={**fields, "csrf_token": token.group(1)})


@pytest.fixture
async def postgres_database(tmp_path):
    """A fresh database copied from the migrated template; dropped at the end."""
    reason = await _pg_reachable()
    if reason:
        _unavailable(reason)
    name = f"porchside_multi_{os.getpid()}_{secrets.token_hex(3)}"
    await _create_postgres_database(name, _installed_plugin_apps(), tmp_path / "template")
    try:
        yield _database_url(name)
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
def durable_redis(tmp_path):
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(aof_folder=folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_relay():
    relay = SmtpRelay()
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture
async def seeded(postgres_database, tmp_path):
    """Acme with Pat (a password and a job), Hal, an owner with a password and 200 more customers."""
    from core.auth.passwords import hash_password
    from core.config import Settings
    from core.db import open_database, release_database, tortoise_config
    from core.models.customers import Contact, ContactEmail, CustomerAccount, PortalLogin
    from core.models.jobs import Job
    from core.models.staff import StaffUser
    from tenants.context import use_tenant
    from tenants.service import create_tenant

    # Only the database matters here: the settings the processes run with are theirs.
    settings = Settings(data_dir=tmp_path / "seed", database_url=postgres_database, secret_key=SECRET)
    config = tortoise_config(settings, _installed_plugin_apps())
    await open_database(config)
    try:
        tenant = await create_tenant(SLUG, "Acme Pool Care", contact_email="office@acme.test")
        password_hash = await hash_password(PASSWORD)
        with use_tenant(tenant):
            for number, (name, email) in enumerate([("Pat Morgan", PAT), ("Hal Jordan", HAL)]):
                account = await CustomerAccount.create(number=f"C-{number}", name=name)
                contact = await Contact.create(account=account, first_name=name.split()[0], is_primary=True)
                await ContactEmail.create(contact=contact, email=email)
                if email == PAT:
                    await PortalLogin.create(email=email, password_hash=password_hash)
                    job = await Job.create(account=account, number="J-100", title="Pump repair", status="scheduled")
            await StaffUser.create(email=STAFF, name="Olive Owner", role="owner", password_hash=password_hash)
        await many_customers(tenant, use_tenant, INVITES)
    finally:
        # Closed before the test: the processes under test are the only users.
        await release_database(config)
    return {"job": job.public_id}


async def test_two_servers_and_two_workers_share_sessions_streams_and_jobs(
    seeded, postgres_database, durable_redis, smtp_relay, tmp_path
):
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_") or k.startswith("PORCHSIDE_TEST_")}
    env.update(
        PYTHONUNBUFFERED="1",
        PORCHSIDE_ENV="development",  # plain http on loopback: production mode wants https
        PORCHSIDE_DATABASE_URL=postgres_database,
        PORCHSIDE_REDIS_URL=durable_redis.url,
        PORCHSIDE_REDIS_PREFIX=f"multi{secrets.token_hex(3)}",
        PORCHSIDE_SMTP_URL=smtp_relay.url,
        PORCHSIDE_DEV_OUTBOX="false",
        PORCHSIDE_SECRET_KEY=SECRET,
        PORCHSIDE_DATA_DIR=str(data_dir),
        PORCHSIDE_BASE_DOMAIN="localhost",
        PORCHSIDE_RUN_WORKER="false",
        PORCHSIDE_QUEUE_CONCURRENCY=str(CONCURRENCY),
        PORCHSIDE_QUEUE_HEARTBEAT=str(HEARTBEAT),
    )
    a, b = Server("serve-a", env, tmp_path), Server("serve-b", env, tmp_path)
    workers = [Worker("worker-1", env, tmp_path), Worker("worker-2", env, tmp_path)]
    everyone: list[Porchside] = [a, b, *workers]
    pat, olive, hal = Browser(), Browser(), Browser()
    try:
        for process in everyone:
            await asyncio.to_thread(wait_until, process.ready, START_TIMEOUT, 0.1, process.tail)

        # 1. A session made on A works on B.
        sign_in = await pat.page(a, "/sign-in")
        r = await pat.submit(a, "/sign-in/password", sign_in, {"email": PAT, "password": PASSWORD})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        security = await pat.page(b, "/security")
        assert "Sign out everywhere" in security  # B's page for a signed-in customer

        # 2. A message posted through A reaches a stream open on B.
        thread_path = f"/jobs/{seeded['job']}/messages"
        thread_page = await pat.page(b, thread_path)
        async with pat.http.stream("GET", b.url(thread_path + "/stream")) as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            chunks = stream.aiter_text()
            assert (await anext(chunks)).startswith("retry:")  # subscribed: what is posted now arrives
            fields = dict(HIDDEN.findall(thread_page))
            r = await pat.submit(a, thread_path, thread_page, {"body": "Gate code is 4321", "key": fields["key"]})
            assert r.status_code == 302, (r.status_code, r.text[:500])
            # Well inside the stream's own database re-read (every 15 s): this is pub/sub.
            received = await asyncio.wait_for(read_until(chunks, "Gate code is 4321"), 10)
        assert "event: message" in received

        # 3. 200 invites from the console of A; Redis dies and comes back while they are all queued.
        smtp_relay.gate.clear()
        sign_in = await olive.page(a, "/console/sign-in")
        r = await olive.submit(a, "/console/sign-in", sign_in, {"email": STAFF, "password": PASSWORD})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        confirm = await olive.page(b, "/console/customers/invites/new?scope=all&q=Bulk")
        assert f"<strong>{INVITES} addresses</strong>" in confirm
        r = await olive.submit(b, "/console/customers/invites/", confirm, {"scope": "all", "q": "Bulk", **dict(HIDDEN.findall(confirm))})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        batch_path = httpx.URL(r.headers["Location"]).path

        # Both workers hold CONCURRENCY emails each at the relay (no slot is
        # left for the batch's later rounds): Redis dies and comes back now.
        await eventually(lambda: smtp_relay.waiting == 2 * CONCURRENCY, timeout=20)
        durable_redis.stop()  # SIGKILL: a crash, nothing flushed on the way out
        durable_redis.start()
        smtp_relay.gate.set()

        async def batch_done() -> dict | None:
            progress = (await olive.http.get(a.url(batch_path + "/progress"))).json()
            return progress if progress["finished"] else None

        # A bound, not a measure: on a machine shared with other test runs
        # 200 deliveries have taken over 30 s; alone they take a few seconds.
        progress = await eventually(batch_done, timeout=90, interval=0.2)
        assert (progress["sent"], progress["failed"]) == (INVITES, 0), progress
        invited = {f"person{i}@example.com" for i in range(INVITES)}
        await eventually(lambda: invited <= set(smtp_relay.recipients()), timeout=30)

        # The apps carry on without a restart: the session is still known on
        # both instances, and pub/sub reaches B again.
        assert "Sign out everywhere" in await pat.page(a, "/security")
        thread_page = await pat.page(a, thread_path)
        async with pat.http.stream("GET", b.url(thread_path + "/stream?after=1")) as stream:
            chunks = stream.aiter_text()
            assert (await anext(chunks)).startswith("retry:")
            fields = dict(HIDDEN.findall(thread_page))
            r = await pat.submit(a, thread_path, thread_page, {"body": "After the restart", "key": fields["key"]})
            assert r.status_code == 302, (r.status_code, r.text[:500])
            await asyncio.wait_for(read_until(chunks, "After the restart"), 10)

        # 4. A worker killed with SIGKILL while it sends Hal's sign-in email.
        smtp_relay.hold = HAL
        sign_in = await hal.page(b, "/sign-in")
        r = await hal.submit(b, "/sign-in/link", sign_in, {"email": HAL})
        assert r.status_code == 200, (r.status_code, r.text[:500])
        peer = await eventually(lambda: smtp_relay.held_peer, timeout=15)
        victim = holder_of(peer[1], workers)
        survivor = next(w for w in workers if w is not victim)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        await eventually(lambda: smtp_relay.count(HAL) == 1, timeout=30)

        # Everything settled: every stored email arrived exactly once (the
        # Message-ID is the email's public id), none failed or is waiting.
        # Each look opens a Redis connection: five a second, not fifty.
        await eventually(lambda: queue_idle(durable_redis, env["PORCHSIDE_REDIS_PREFIX"]), timeout=30, interval=0.2)
        arrived = Counter(message["Message-ID"] for _, message in smtp_relay.accepted)
        assert set(arrived.values()) == {1}, [m for m, n in arrived.items() if n > 1]
        stored = await stored_emails(postgres_database)
        assert {status for status, _ in stored.values()} == {"sent"}, Counter(status for status, _ in stored.values())
        assert set(arrived) == {f"<{public_id}@porchside.test>" for public_id in stored}
        assert Counter(to for _, to in stored.values())[HAL] == 1
        assert smtp_relay.dropped >= 1  # the message of the killed worker, never accepted
        assert survivor.alive() and a.alive() and b.alive()
    except BaseException:
        for process in everyone:
            print(f"----- {process.name} -----\n{process.tail(60)}")
        raise
    finally:
        for browser in (pat, olive, hal):
            await browser.http.aclose()
        for process in everyone:
            process.stop()


async def read_until(chunks, text: str) -> str:
    """Read an event stream until ``text`` shows up; return what was read."""
    seen = ""
    async for chunk in chunks:
        seen += chunk
        if text in seen:
            return seen
    raise AssertionError(f"the stream ended without {text!r}: {seen[-500:]!r}")


def queue_idle(server: DurableRedis, prefix: str) -> bool:
    """No job queued, due or running in the deployment's queue (see SaqQueue.idle)."""
    import time

    import redis

    client = redis.Redis(port=server.port)
    try:
        return not client.zcount(f"{prefix}:queue:incomplete", 0, time.time())
    finally:
        client.close()


async def stored_emails(database_url: str) -> dict[str, tuple[str, str]]:
    """Every stored email of the run: public id -> (status, to)."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch('SELECT public_id, status, "to" FROM "outbound_email"')
    finally:
        await conn.close()
    return {row["public_id"]: (row["status"], row["to"]) for row in rows}


def test_queue_heartbeat_comes_from_the_environment(tmp_path):
    """``PORCHSIDE_QUEUE_HEARTBEAT``: how soon a dead worker's job runs again; 3 s at least."""
    from core.config import ConfigError, Settings

    def read(value: str) -> Settings:
        return Settings.from_env({"PORCHSIDE_QUEUE_HEARTBEAT": value}, data_dir=tmp_path, secret_key=SECRET)

    assert Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET).queue_heartbeat == 30
    assert read("5").queue_heartbeat == 5
    for bad in ("2", "3601", "soon"):
        with pytest.raises(ConfigError, match="PORCHSIDE_QUEUE_HEARTBEAT"):
            read(bad)


async def test_the_sweep_leaves_a_job_just_taken_and_takes_back_one_whose_worker_died():
    """A worker moves a job to the active list, then marks it active: a sweep in between must not re-run it."""
    from core.queue.saq_queue import RUN, _PrefixedRedisQueue
    from core.redis_pool import redis_client
    from core.testing import REDIS_TEST_URL, _redis_reachable

    reason = await _redis_reachable()
    if reason:
        _unavailable(reason)
    client = redis_client(REDIS_TEST_URL, max_connections=5)
    prefix = f"pstest:{secrets.token_hex(4)}"
    queue = _PrefixedRedisQueue(client, name=f"{prefix}:queue")

    async def sweep() -> list[str]:
        await client.delete(queue.namespace("sweep"))  # the lock of the previous sweep
        return await queue.sweep(lock=1)

    try:
        await queue.connect()
        await queue.enqueue(RUN, key="k1", heartbeat=1, retries=3, timeout=60)
        taken = await queue.dequeue()  # what a worker does first; marking it active comes next
        assert taken is not None and taken.key == "k1"
        assert await sweep() == []  # saq's own sweep re-queued it here, to run twice
        # Its worker died before marking it: a later sweep, a heartbeat on, takes it back.
        assert await eventually(sweep, timeout=10, interval=0.3) == [queue.job_id("k1")]
        again = await queue.dequeue()
        assert again is not None and again.key == "k1"
    finally:
        await queue.disconnect()
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
