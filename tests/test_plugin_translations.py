"""Plugins ship their own catalogs (porchside_translation_dirs, issue 17).

A plugin declares folders of ``<lang>/LC_MESSAGES/messages.po``; its texts
are then translated for a reader of that language, in Python and in its
templates, behind core's catalogs (core's translation of a text wins). A
folder that does not exist stops start-up with a message naming the plugin.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from core import hookimpl, i18n
from core.app import create_app
from core.config import Settings
from core.plugins import PluginError, PluginHost
from core.testing import SECRET
from tests.plugins import reviews


def plugin_with_catalogs(*folders: Path) -> types.ModuleType:
    module = types.ModuleType("porchside_tiny")

    @hookimpl
    def porchside_translation_dirs():
        return list(folders)

    module.porchside_translation_dirs = porchside_translation_dirs
    return module


@pytest.fixture
def catalogs(monkeypatch):
    """Core's catalogs, and whatever plugins add during this test only."""
    monkeypatch.setattr(i18n, "_catalog_dirs", list(i18n._catalog_dirs))
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def test_a_plugins_catalog_translates_its_texts_in_python_and_templates(catalogs, extra_catalogs):
    """porchside_translation_dirs: the plugin's Spanish catalog answers inside language("es")."""
    folder = extra_catalogs({"es": {
        "Water pressure": "Presión del agua",
        ("%(num)d reading", "%(num)d readings"): ("%(num)d lectura", "%(num)d lecturas"),
    }}, add=False)
    assert folder not in i18n.catalog_dirs()
    host = PluginHost().load(extra=[("tiny", plugin_with_catalogs(folder))], load_entry_points=False)
    assert [d.record for d in host.declared.translation_dirs] == [str(folder)]

    env = Environment(loader=DictLoader({"page.html": '{{ _("Water pressure") }}: {{ ngettext("%(num)d reading", "%(num)d readings", 3) }}'}))
    i18n.install_gettext(env)
    with i18n.language("es"):
        assert i18n.gettext("Water pressure") == "Presión del agua"
        assert i18n.ngettext("%(num)d reading", "%(num)d readings", 1) == "1 lectura"
        assert env.get_template("page.html").render() == "Presión del agua: 3 lecturas"
    # English readers, and languages the plugin has no catalog for, read the source text.
    assert i18n.gettext("Water pressure") == "Water pressure"
    with i18n.language("fr"):
        assert i18n.gettext("Water pressure") == "Water pressure"


def test_core_translation_wins_over_a_plugins(catalogs, extra_catalogs):
    """A plugin cannot change how core's texts read; it fills in the texts core lacks."""
    core_cancel = i18n.translations("es").gettext("Cancel")
    assert core_cancel not in ("Cancel", "Anular")
    folder = extra_catalogs({"es": {"Cancel": "Anular", "Gauge": "Manómetro"}}, add=False)
    PluginHost().load(extra=[("tiny", plugin_with_catalogs(folder))], load_entry_points=False)
    with i18n.language("es"):
        assert i18n.gettext("Cancel") == core_cancel
        assert i18n.gettext("Gauge") == "Manómetro"


def test_a_missing_translations_folder_stops_start_up(catalogs, tmp_path):
    """porchside_translation_dirs naming a folder that is not there is a start-up error naming the plugin."""
    missing = tmp_path / "nowhere"
    with pytest.raises(PluginError, match=r"plugin 'tiny': translations folder '.*nowhere' does not exist"):
        create_app(Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET, base_domain="localhost"), plugins=[("tiny", plugin_with_catalogs(missing))], load_entry_points=False)
    assert missing not in i18n.catalog_dirs()


def test_the_reviews_test_plugin_declares_its_catalog(catalogs):
    """The test plugin of tests/plugins/reviews ships a Spanish catalog through porchside_translation_dirs."""
    PluginHost().load(extra=[("reviews", reviews)], load_entry_points=False)
    with i18n.language("es"):
        assert i18n.gettext("Thanks for your review") == "Gracias por su reseña"
