"""A plugin made of parts declares each part's records through one gathered hook."""

from __future__ import annotations

from types import ModuleType

import pytest

from core.plugin_parts import gather_records
from core.plugins import PluginHost
from core.records import NavTab, PluginInfo


def _module(name: str, **attributes) -> ModuleType:
    module = ModuleType(name)
    module.__dict__.update(attributes)
    return module


def _plugin(*parts: ModuleType) -> ModuleType:
    plugin = _module("parted")
    from core import hookimpl

    @hookimpl
    def porchside_plugin_info():
        return PluginInfo(name="parted", label="Parted", default_enabled=True)

    plugin.porchside_plugin_info = porchside_plugin_info
    gather_records(plugin.__dict__, parts)
    return plugin


def test_records_of_every_part_are_declared_in_part_order():
    first = _module("first", NAV_TABS=[NavTab(id="alpha", label="Alpha", endpoint="portal.home", order=5)])
    second = _module("second", NAV_TABS=[NavTab(id="beta", label="Beta", endpoint="portal.home", order=6)])
    host = PluginHost().load(extra=[("parted", _plugin(first, second))], load_entry_points=False)

    ids = [d.plugin + ":" + d.record.id for d in host.declared.nav_tabs]
    assert "parted:alpha" in ids and "parted:beta" in ids
    assert ids.index("parted:alpha") < ids.index("parted:beta")


def test_hooks_no_part_declares_are_left_undefined():
    plugin = _plugin(_module("only_tabs", NAV_TABS=[]))
    assert hasattr(plugin, "porchside_nav_tabs")
    assert not hasattr(plugin, "porchside_blueprints")


def test_a_hook_written_by_hand_and_gathered_is_refused():
    with pytest.raises(ValueError, match="porchside_nav_tabs is defined by hand"):
        gather_records({"__name__": "twice", "porchside_nav_tabs": lambda: []}, [_module("p", NAV_TABS=[])])
