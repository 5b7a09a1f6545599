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



async def test_remembered_links_are_the_links_quart_builds(app, tenant):
    """url_for keeps value-less and static links per URL adapter (issue 13): same URLs, root path followed."""
    from quart import Quart, url_for

    async def links() -> list[str]:
        return [url_for("portal.home"), url_for("static", filename="icons.svg"), url_for("static", filename="porchside.css"),
                url_for("portal.home", _external=True), url_for("work.job", job_id="J-1")]

    async with app.test_request_context("/", headers={"Host": "acme.localhost"}):
        expected = [Quart.url_for(app, "portal.home"), Quart.url_for(app, "static", filename="icons.svg"),
                    Quart.url_for(app, "static", filename="porchside.css"), "http://acme.localhost/", "/jobs/J-1"]
        assert await links() == expected
        assert await links() == expected  # the second time from the memo
    async with app.test_request_context("/", headers={"Host": "acme.localhost"}, root_path="/portal"):
        assert url_for("portal.home") == "/portal/"
        assert url_for("static", filename="icons.svg") == "/portal" + expected[1]
