"""A plugin says which Porchside versions it works with (``PluginInfo.requires``); others refuse it at start."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core import hookimpl
from core.app import create_app
from core.config import Settings
from core.plugins import PluginError, porchside_version
from core.records import PluginInfo
from core.testing import SECRET


def plugin_requiring(requires: str, name: str = "gauges", version: str = "2.1.0"):
    @hookimpl
    def porchside_plugin_info():
        return PluginInfo(name=name, label=name.title(), version=version, requires=requires)

    return SimpleNamespace(porchside_plugin_info=porchside_plugin_info)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET, base_domain="localhost")


def running_minor() -> tuple[int, int]:
    major, minor = porchside_version().split(".")[:2]
    return int(major), int(minor)


def test_a_plugin_made_for_other_versions_is_refused_with_its_name_range_and_the_running_version(settings):
    major, minor = running_minor()
    future = f">={major}.{minor + 1},<{major}.{minor + 3}"
    with pytest.raises(PluginError) as refused:
        create_app(settings, plugins=[("gauges", plugin_requiring(future))], load_entry_points=False)
    message = str(refused.value)
    assert "'gauges'" in message and "2.1.0" in message
    assert future in message
    assert f"this is Porchside {porchside_version()}" in message


def test_a_plugin_whose_range_holds_the_running_version_loads(settings):
    major, minor = running_minor()
    app = create_app(settings, plugins=[("gauges", plugin_requiring(f">={major}.{minor},<{major}.{minor + 1}"))], load_entry_points=False)
    assert app.extensions["porchside"].plugins.declared.info["gauges"].requires.startswith(">=")


def test_no_range_means_any_version(settings):
    create_app(settings, plugins=[("gauges", plugin_requiring(""))], load_entry_points=False)


def test_a_range_that_is_not_a_version_specifier_is_refused(settings):
    with pytest.raises(PluginError, match=r"plugin 'gauges': requires='0\.2 or later' is not a version range"):
        create_app(settings, plugins=[("gauges", plugin_requiring("0.2 or later"))], load_entry_points=False)

