"""The portal's icon set (core/static/icons.svg): the names tabs may use, checked at start-up and drawn by a macro."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from core import hookimpl
from core.app import create_app
from core.config import Settings
from core.icons import SPRITE, icon_names
from core.plugins import PluginError
from core.records import NavTab
from core.testing import SECRET


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path, secret_key=SECRET, base_domain="localhost")


def test_a_tab_icon_outside_the_icon_set_is_refused_with_the_names_there_are(settings):
    @hookimpl
    def porchside_nav_tabs():
        return [NavTab(id="gauges", label="Gauges", endpoint="portal.home", icon="speedometer")]

    with pytest.raises(PluginError) as refused:
        create_app(settings, plugins=[("gauges", SimpleNamespace(porchside_nav_tabs=porchside_nav_tabs))], load_entry_points=False)
    assert "tab 'gauges' has icon 'speedometer'" in str(refused.value)
    assert ", ".join(icon_names()) in str(refused.value)


def test_the_icon_set_has_every_name_core_and_the_built_in_plugins_use(settings):
    app = create_app(settings)
    used = {declared.record.icon for declared in app.extensions["porchside"].plugins.declared.nav_tabs}
    assert used <= set(icon_names())
    assert {"home", "receipt", "file", "card", "chat"} <= used  # core's tabs and the built-in plugins'
    sprite = SPRITE.read_text()
    assert all(f'<symbol id="icon-{name}" viewBox="0 0 24 24"' in sprite for name in icon_names())
    documented = Path("docs/plugins.md").read_text()
    assert all(f"`{name}`" in documented for name in icon_names())


async def test_the_macro_draws_a_named_symbol_of_the_sprite_hidden_from_screen_readers(settings):
    app = create_app(settings)
    async with app.test_request_context("/", headers={"Host": "acme.localhost"}):
        template = app.jinja_env.from_string('{% from "_icons.html" import icon %}{{ icon("receipt") }}')
        html = await template.render_async()
    assert 'aria-hidden="true"' in html
    assert '<use href="/static/icons.svg#icon-receipt">' in html


async def test_the_portal_draws_each_tabs_icon_from_the_served_sprite(client, tenant, make_account):
    await make_account(tenant, "Pat Doe", emails=["pat@example.com"])
    await client.sign_in_as("pat@example.com")
    home = await (await client.get("/")).get_data(as_text=True)
    more = home[home.index('class="menu-panel more-list"'):]
    for name in ("home", "briefcase", "clipboard", "phone"):
        assert f'<use href="/static/icons.svg#icon-{name}">' in more
    sprite = await client.get("/static/icons.svg")
    assert sprite.status_code == 200 and sprite.mimetype == "image/svg+xml"
    assert '<symbol id="icon-home"' in await sprite.get_data(as_text=True)
