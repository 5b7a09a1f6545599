"""One started app per test module and backend, for modules whose tests can share it (issue 19).

``core.testing``'s ``app`` builds and starts an app for every test; starting
one is most of a small test's CPU. A module whose tests only read what was
built once, or write only into businesses of their own, imports these
fixtures and runs its async tests in a module-scoped event loop::

    from tests.module_app import module_app  # noqa: F401 - fixture

    @pytest.mark.asyncio(loop_scope="module")
    async def test_something(module_app): ...

(``pytestmark = pytest.mark.asyncio(loop_scope="module")`` does it for
every test of a module that has no synchronous ones.)

``module_app`` is parametrized by ``porchside_backend`` like ``app`` (pytest
groups the module's tests by backend, so it starts at most once per
backend, whatever the random order), on a clean copy of the database; the
database is emptied again when the module's tests end, as ``make_app``
leaves it. Every async fixture such a module uses must run in the same loop
(``@pytest_asyncio.fixture(loop_scope="module")``): ``core.testing``'s
``tenant``, ``client`` (through ``app``), ``make_app`` do not, so the module
defines its own.
"""

from __future__ import annotations

import secrets

import pytest_asyncio

from core.testing import Backend, backend_settings, forget_redis_prefix, reset_postgres


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_app(porchside_backend: Backend, tmp_path_factory):
    """A started app with the installed plugins, shared by the module's tests on this backend."""
    from core.app import create_app
    from core.db import close_leftover_database

    prefix = f"pstest:{secrets.token_hex(4)}"
    app = create_app(backend_settings(porchside_backend, tmp_path_factory.mktemp("module-app"), prefix))
    try:
        async with app.test_app():
            try:
                yield app
            finally:
                if porchside_backend.name == "postgres":
                    # The next module's tests start from empty tables (see make_app).
                    await app.extensions["porchside"].queue.stop_worker()
                    await reset_postgres()
    finally:
        await close_leftover_database()
        forget_redis_prefix(porchside_backend, prefix)
