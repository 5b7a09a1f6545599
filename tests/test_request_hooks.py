"""Per-request hooks run on the event loop, never through the thread pool (issue 13).

Quart runs a synchronous ``before_request``/``after_request`` function or
template context processor in its thread pool: a thread hop on every request
or every page rendered, for work that takes microseconds.
"""

from __future__ import annotations

import inspect


def _sync(functions) -> list[str]:
    return [f"{f.__module__}.{f.__qualname__}" for f in functions if not inspect.iscoroutinefunction(f)]


async def test_every_request_hook_and_context_processor_is_async(app):
    found = []
    for table in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                  app.template_context_processors):
        for functions in table.values():
            found += _sync(functions)
    assert found == []

