"""localstripe on loopback: a stateful Stripe stand-in for tests and the demo.

localstripe (PyPI) answers the parts of Stripe's API that Porchside uses
and serves a Stripe.js stand-in at ``/js.stripe.com/v3/``. Its own command
listens on every interface and saves its state to one shared pickle under
/tmp, so we never use it: :func:`serve` binds 127.0.0.1 only and keeps the
state in memory, one independent server per process.

    python -m core.devstripe --port 8420

prints ``localstripe listening on http://127.0.0.1:8420`` once it is ready.
:class:`LocalStripe` starts that command as a child process and stops it.
It is never part of a production setup: with ``PORCHSIDE_STRIPE_API_BASE``
unset the SDK talks to Stripe itself.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

READY = "localstripe listening on "


def available() -> bool:
    """Whether localstripe is installed (it is a development dependency)."""
    try:
        import localstripe.server  # noqa: F401
    except ImportError:
        return False
    return True


def serve(port: int, state_file: str | None = None) -> None:
    """Run localstripe on 127.0.0.1:``port`` until killed.

    State is in memory only, unless ``state_file`` names a file of its own
    (the demo keeps one in its data folder, so saved cards outlive a
    restart); never localstripe's shared ``/tmp/localstripe.pickle``.
    """
    import pickle

    from aiohttp import web
    from localstripe import resources, server

    if state_file is None:
        resources.Store.dump_to_disk = lambda self: None  # no shared /tmp pickle
    else:
        def dump(self) -> None:
            temporary = f"{state_file}.tmp"
            with open(temporary, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, state_file)

        resources.Store.dump_to_disk = dump
        try:
            with open(state_file, "rb") as f:
                dict.update(resources.store, pickle.load(f))
        except FileNotFoundError:
            pass
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    bound = sock.getsockname()[1]

    async def announce(_app) -> None:
        print(f"{READY}http://127.0.0.1:{bound}", flush=True)

    server.app.on_startup.append(announce)
    web.run_app(server.app, sock=sock, print=None, access_log=None, handle_signals=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStripe:
    """A localstripe child process on a free loopback port.

    ``api_base`` goes to ``PORCHSIDE_STRIPE_API_BASE`` and ``js_url`` to
    ``PORCHSIDE_STRIPE_JS_URL``.
    """

    def __init__(self, port: int | None = None, state_file: str | None = None) -> None:
        self.port = port or free_port()
        self.state_file = state_file
        self.process: subprocess.Popen | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def js_url(self) -> str:
        return f"{self.api_base}/js.stripe.com/v3/"

    def start(self, timeout: float = 20.0) -> "LocalStripe":
        command = [sys.executable, "-m", "core.devstripe", "--port", str(self.port)]
        if self.state_file:
            command += ["--state", str(self.state_file)]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()  # blocks until ready or exit
        if not line.startswith(READY) or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"localstripe did not start on port {self.port}: {line.strip() or 'no output'}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def register_webhook(self, id: str, url: str, secret: str, events: list[str] | None = None) -> None:
        """Tell localstripe to send (signed) events to ``url``; it has no webhook_endpoints API."""
        fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events or ()]
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(f"{self.api_base}/_config/webhooks/{urllib.parse.quote(id)}", data=body, method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def __enter__(self) -> "LocalStripe":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m core.devstripe", description="Run localstripe on 127.0.0.1, state in memory.")
    parser.add_argument("--port", type=int, default=8420, help="port on 127.0.0.1 (default 8420; 0 picks a free one)")
    parser.add_argument("--state", default=None, help="keep the state in this file across restarts (default: memory only)")
    arguments = parser.parse_args(argv)
    serve(arguments.port, arguments.state)


if __name__ == "__main__":
    from core.quick_exit import exit_now

    main()
    exit_now(0)
