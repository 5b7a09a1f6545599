"""URLs are built on first use (core.app._LazyBuildRule) and come out as Werkzeug builds them.

Werkzeug compiles two URL builders per route when the route is added, which
was most of an app's start-up time; ours are made the first time a route
is built into a URL. These tests hold every route to Werkzeug's own result.
"""

from __future__ import annotations

from quart import url_for
from quart.routing import QuartRule

from core.app import _LazyBuildRule


def _placeholders(rule) -> dict[str, object]:
    """A value for each argument the route needs: a number where its converter wants one."""
    values: dict[str, object] = {}
    for name in rule.arguments - set(rule.defaults or {}):
        converter = type(rule._converters[name]).__name__
        values[name] = 7 if converter in ("IntegerConverter", "NumberConverter", "FloatConverter") else f"v {name}/é"
    return values


async def test_every_route_builds_the_url_werkzeug_would(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100 and all(isinstance(rule, _LazyBuildRule) for rule in rules)

    for rule in rules:
        values = _placeholders(rule)
        for append_unknown, extra in ((False, {}), (True, {"page": "2", "q": "a b&c"})):
            eager = QuartRule._compile_builder(rule, append_unknown)(rule, **values, **extra)
            lazy = (rule._build_unknown if append_unknown else rule._build)(**values, **extra)
            assert lazy == eager, rule.rule


async def test_url_for_with_arguments_defaults_and_a_query(app):
    async with app.test_request_context("/", headers={"Host": "acme.localhost"}):
        assert url_for("auth.reset_password", token="abc") == "/reset-password/abc"
        assert url_for("auth.revoke_session", handle="h 1", next="/x?y=1") == "/security/sessions/h%201/revoke?next=/x?y%3D1"
        assert url_for("auth.renew_link", token="t", _external=True) == "http://acme.localhost/sign-in/link/t/renew"
