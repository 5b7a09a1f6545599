"""Every GET route of the app is walked by the browser suite, or says why not.

No browser needed: this reads the app's URL map, so it also runs where
Chromium is missing, and fails as soon as a page is added without being
added to :mod:`tests.browser.portal_pages`.
"""

from __future__ import annotations

import re

from core.config import Settings
from core.testing import SECRET
from tests.browser.console_pages import CONSOLE_PAGES, OTHER_CONSOLE_ROUTES
from tests.browser.portal_pages import DOWNLOADS, OTHER_BLUEPRINTS, OTHER_ROUTES, PAGES


def get_app(tmp_path):
    from core.app import create_app

    settings = Settings.from_env({}, data_dir=tmp_path, database_url=f"sqlite://{tmp_path / 'db.sqlite3'}", secret_key=SECRET)
    return create_app(settings)


def get_endpoints(tmp_path) -> set[str]:
    return {rule.endpoint for rule in get_app(tmp_path).url_map.iter_rules() if "GET" in rule.methods}


def test_every_console_route_is_walked(tmp_path):
    """Core's and the built-in plugins' console pages (installed third-party plugins have suites of their own)."""
    app = get_app(tmp_path)
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint.startswith("console")
        and app.view_functions[rule.endpoint].__module__.startswith(("core.", "plugins."))
    }
    covered = {p.endpoint for p in CONSOLE_PAGES} | set(OTHER_CONSOLE_ROUTES)
    missing = sorted(endpoints - covered)
    assert not missing, (
        "console GET routes the browser suite does not walk: add each to CONSOLE_PAGES in "
        f"tests/browser/console_pages.py, or to OTHER_CONSOLE_ROUTES with where it is covered: {missing}"
    )
    gone = sorted(covered - endpoints)
    assert not gone, f"tests/browser/console_pages.py names routes the app does not have: {gone}"


def test_every_get_route_is_walked(tmp_path):
    endpoints = get_endpoints(tmp_path)
    covered = {p.endpoint for p in PAGES} | {d.endpoint for d in DOWNLOADS} | set(OTHER_ROUTES)
    elsewhere = {e for e in endpoints if e.split(".", 1)[0].startswith(tuple(OTHER_BLUEPRINTS))}
    missing = sorted(endpoints - covered - elsewhere)
    assert not missing, (
        "GET routes the browser suite does not walk: add each to PAGES or DOWNLOADS in "
        f"tests/browser/portal_pages.py, or to OTHER_ROUTES with where it is covered: {missing}"
    )
    gone = sorted(covered - endpoints)
    assert not gone, f"tests/browser/portal_pages.py names routes the app does not have: {gone}"


def test_page_records_are_consistent():
    """Names are unique file names (they name screenshots), ``found_on`` names
    a path or a page, and each link pattern compiles."""
    names = [p.name for p in PAGES] + [d.name for d in DOWNLOADS]
    assert len(names) == len(set(names)), "page and download names must be unique"
    pages = {p.name for p in PAGES}
    for record in (*PAGES, *DOWNLOADS):
        assert re.fullmatch(r"[a-z0-9-]+", record.name), record.name
        if record.found_on is not None:
            assert record.found_on.startswith("/") or record.found_on in pages, (record.name, record.found_on)
            re.compile(record.link)
