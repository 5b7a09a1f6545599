"""URLs are built on first use (core.app._LazyBuildRule) and come out as Werkzeug builds them.

Rule texts are parsed once per process; every app's rules still match as
Werkzeug's own parse would, with converters of their own map.

Werkzeug compiles two URL builders per route when the route is added, which
was most of an app's start-up time; ours are made the first time a route
is built into a URL. These tests hold every route to Werkzeug's own result.
"""

from __future__ import annotations

from quart import url_for
from quart.routing import QuartRule

from core.app import _LazyBuildRule, create_app


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


def _parsed(rule) -> tuple:
    converters = {name: (type(c), c.regex, c.part_isolating, c.weight) for name, c in rule._converters.items()}
    return rule._parts, rule._trace, converters, rule.arguments


async def test_a_later_app_parses_every_route_as_werkzeug_does(app):
    later = create_app(app.extensions["porchside"].settings)
    rules = list(later.url_map.iter_rules())
    assert len(rules) > 100 and any(rule._converters for rule in rules)

    for rule in rules:
        fresh = QuartRule(rule.rule, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults)
        fresh.map = later.url_map
        fresh.compile()
        assert _parsed(rule) == _parsed(fresh), rule.rule
        assert all(converter.map is later.url_map for converter in rule._converters.values())
    adapter = later.url_map.bind("acme.localhost")
    assert adapter.match("/reset-password/abc") == ("auth.reset_password", {"token": "abc", "purpose": "reset"})
