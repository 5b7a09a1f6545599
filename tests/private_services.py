"""A PostgreSQL cluster and a Redis server of a test's own, to stop and start at will.

Outage tests must never stop the PostgreSQL and Redis the rest of the team
(and the rest of the suite) uses: these run on free loopback ports, keep
their data in a temporary folder and are removed when the test ends.
PostgreSQL refuses to run as root, so as root ``initdb`` and ``pg_ctl`` run
as the ``postgres`` user through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from core.testing import _free_port, _unavailable


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:] or [None]
    return found if isinstance(found, str) else found[0]


class PrivatePostgres:
    """``start()``, ``stop()`` (fast shutdown, as an operator would) and ``url`` of a throwaway cluster."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            _unavailable("initdb and pg_ctl are not installed: a private PostgreSQL cluster cannot be made")
        self.port = _free_port()
        # A folder the postgres user may write to, whoever runs the tests.
        self.folder = Path(tempfile.mkdtemp(prefix="porchside-pg-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # not running
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A ``redis-server`` on a free port; ``stop()`` kills it (SIGKILL: a crash, nothing flushed).

    Without ``aof_folder`` nothing is persisted. With it, Redis runs as
    docs/deployment.md says (AOF in that folder, fsync on every write, no
    eviction), and ``start()`` after ``stop()`` comes back on the same port
    with what was written.
    """

    def __init__(self, aof_folder: Path | None = None) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            _unavailable("redis-server is not installed: a private Redis cannot be started")
        self.aof_folder = aof_folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _arguments(self) -> list[str]:
        persistence = ["--appendonly", "no"]
        if self.aof_folder is not None:
            persistence = [
                "--dir", str(self.aof_folder), "--appendonly", "yes", "--appendfsync", "always",
                "--maxmemory-policy", "noeviction",
            ]
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence]

    def start(self) -> None:
        import redis

        from core.testing import wait_until

        self.process = subprocess.Popen(self._arguments(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers() -> bool:
            try:
                client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
                try:
                    return bool(client.ping())
                finally:
                    client.close()
            except redis.exceptions.BusyLoadingError:
                return False  # still reading its AOF
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=15, interval=0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
