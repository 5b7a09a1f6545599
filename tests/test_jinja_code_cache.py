"""core.jinja_code_cache: environments share compiled templates only when the code would be the same."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, pass_context

from core.jinja_code_cache import SharedTemplateCode


def _environment(cache: SharedTemplateCode, templates: dict[str, str], **options) -> Environment:
    env = Environment(loader=DictLoader(templates), **options)
    env.bytecode_cache = cache
    return env


def test_a_second_environment_reuses_the_compiled_template():
    cache = SharedTemplateCode()
    templates = {"hello.txt": "Hello {{ name }}!"}

    first = _environment(cache, templates).get_template("hello.txt").render(name="Pat")
    assert len(cache) == 1
    second = _environment(cache, templates).get_template("hello.txt").render(name="Sam")

    assert (first, second) == ("Hello Pat!", "Hello Sam!")
    assert len(cache) == 1


def test_a_changed_template_is_compiled_again():
    cache = SharedTemplateCode()
    assert _environment(cache, {"t.txt": "old {{ x }}"}).get_template("t.txt").render(x=1) == "old 1"

    assert _environment(cache, {"t.txt": "new {{ x }}"}).get_template("t.txt").render(x=1) == "new 1"


def test_code_compiled_without_autoescape_never_serves_an_escaping_environment():
    cache = SharedTemplateCode()
    templates = {"page.html": "<p>{{ text }}</p>"}

    raw = _environment(cache, templates, autoescape=False).get_template("page.html").render(text="<b>")
    escaped = _environment(cache, templates, autoescape=True).get_template("page.html").render(text="<b>")

    assert raw == "<p><b></p>"
    assert escaped == "<p>&lt;b&gt;</p>"
    assert len(cache) == 2


def test_a_filter_that_asks_for_the_context_gets_code_of_its_own():
    cache = SharedTemplateCode()
    templates = {"t.txt": "{{ 'x' | shout }}"}
    plain = _environment(cache, templates)
    plain.filters["shout"] = lambda value: value.upper()
    with_context = _environment(cache, templates)
    with_context.filters["shout"] = pass_context(lambda context, value: f"{value.upper()} for {context['who']}")

    assert plain.get_template("t.txt").render() == "X"
    assert with_context.get_template("t.txt").render(who="Pat") == "X for Pat"


def test_async_and_sync_environments_do_not_share_code():
    cache = SharedTemplateCode()
    templates = {"t.txt": "{% for i in items %}{{ i }}{% endfor %}"}

    assert _environment(cache, templates).get_template("t.txt").render(items=[1, 2]) == "12"
    asynchronous = _environment(cache, templates, enable_async=True).get_template("t.txt")

    import asyncio

    assert asyncio.run(asynchronous.render_async(items=[3, 4])) == "34"
    assert len(cache) == 2
