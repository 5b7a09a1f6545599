"""CI installs the plugin as a package (pip install ./examples/readings): its tests must exercise that install."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path

import pytest


def test_the_tests_import_the_installed_package_not_the_checkout():
    try:
        dist = distribution("porchside-readings")
    except PackageNotFoundError:
        pytest.skip("porchside-readings is not installed: pip install ./examples/readings")
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable"):
        pytest.skip("porchside-readings is an editable install on this machine; CI installs it as a package")
    import porchside_readings

    module = Path(porchside_readings.__file__).resolve()
    checkout = Path(__file__).resolve().parents[1]
    assert checkout not in module.parents, f"imported from the source tree: {module}"
    assert "site-packages" in module.parts
    # Found like any third-party plugin: through the porchside entry-point group.
    assert {ep.name: ep.value for ep in entry_points(group="porchside")}["readings"] == "porchside_readings"
    # The templates, static file, catalogs and migration travelled with the package.
    for part in (
        "templates/readings/_chart.html", "templates/readings/sections/visit.html", "static/readings.css", "migrations/0001_initial.py",
        "translations/es/LC_MESSAGES/messages.po", "translations/fr/LC_MESSAGES/messages.po",
    ):
        assert (module.parent / part).is_file(), part
