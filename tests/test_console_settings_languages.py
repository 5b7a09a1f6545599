"""Console settings pages in the staff member's own language (issue 17).

Labels and confirmations defined when a module is imported (notices,
sign-in methods, sections, role names) are translated when a page is drawn,
for whoever reads it, and a plugin's setting labels go through the plugin's
catalog, in the form and in its error messages. The catalogs here are
written by the test (a stand-in for core's and one of the plugin's), so the
test does not depend on the shipped translations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from tenants.service import create_tenant
from tests.plugins import reviews

CORE_ES = {
    "Customer portal": "Portal de clientes",
    "Portal settings saved.": "Ajustes del portal guardados.",
    "Email sign-in link only": "Solo enlace de inicio de sesión por correo",
    "Invoices": "Facturas",
    "The sign-in link lifetime": "La duración de los enlaces de inicio de sesión",
    "%(field)s must be between %(low)d and %(high)d.": "%(field)s: debe estar entre %(low)d y %(high)d.",
    "%(field)s must be a whole number.": "%(field)s: debe ser un número entero.",
    "%(plugin)s settings": "Ajustes de %(plugin)s",
    ("staff role", "Owner"): "Propietario",
    ("staff role", "Admin"): "Administrador",
}
# The reviews plugin's own catalog: texts core does not have.
REVIEWS_ES = {
    "Reviews": "Reseñas",
    "Requests per month": "Solicitudes al mes",
    "Review site": "Sitio de reseñas",
}


def write_catalog(folder: Path, code: str, texts: dict) -> Path:
    catalog = Catalog(locale=code, domain="messages")
    for key, text in texts.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        catalog.add(msgid, text, context=context)
    target = folder / code / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.po").open("wb") as fp:
        write_po(fp, catalog)
    return folder


@pytest.fixture
def spanish_catalogs(monkeypatch, tmp_path):
    core_folder = write_catalog(tmp_path / "core", "es", CORE_ES)
    plugin_folder = write_catalog(tmp_path / "reviews", "es", REVIEWS_ES)
    monkeypatch.setattr(i18n, "_catalog_dirs", [core_folder, plugin_folder])
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.fixture
async def reviews_app(spanish_catalogs, make_app):
    async with make_app(plugins=[("reviews", reviews)]) as started:
        yield started


@pytest.fixture
async def acme(reviews_app):
    return await create_tenant("acme", "Acme Pool Care")


async def staff_client(app, tenant, client_for, in_tenant, email: str, language: str | None):
    client = client_for(tenant, app)
    staff = await sign_in_staff(client, email, role="owner")
    with in_tenant(tenant):
        await StaffUser.filter(id=staff.id).update(language=language)
    return client


async def test_portal_settings_are_drawn_in_each_readers_language(reviews_app, acme, client_for, in_tenant):
    spanish = await staff_client(reviews_app, acme, client_for, in_tenant, "ana@acme.test", "es")
    english = await staff_client(reviews_app, acme, client_for, in_tenant, "owner@acme.test", None)

    page = await (await spanish.get("/console/settings/portal?done=saved")).get_data(as_text=True)
    assert "<h1>Portal de clientes</h1>" in page
    assert "Ajustes del portal guardados." in page  # a notice defined at import time
    assert "Solo enlace de inicio de sesión por correo" in page and "Facturas" in page
    # Same process, same texts, another reader: English.
    page = await (await english.get("/console/settings/portal?done=saved")).get_data(as_text=True)
    assert "<h1>Customer portal</h1>" in page and "Portal settings saved." in page
    assert "Email sign-in link only" in page and "Ajustes del portal" not in page

    form = {"sign_in_methods": "link", "magic_link_minutes": "500", "deep_link_days": "7"}
    r = await spanish.submit("/console/settings/portal", form)
    assert r.status_code == 400
    assert "La duración de los enlaces de inicio de sesión: debe estar entre 5 y 120." in await r.get_data(as_text=True)

    team = await (await spanish.get("/console/staff/")).get_data(as_text=True)
    assert ">Propietario</option>" in team and ">Administrador</option>" in team


async def test_a_plugins_setting_labels_follow_its_catalog_in_the_form_and_its_errors(reviews_app, acme, client_for, in_tenant):
    spanish = await staff_client(reviews_app, acme, client_for, in_tenant, "ana@acme.test", "es")
    english = await staff_client(reviews_app, acme, client_for, in_tenant, "owner@acme.test", None)

    page = await (await spanish.get("/console/plugins/reviews/settings")).get_data(as_text=True)
    assert "<h1>Ajustes de Reseñas</h1>" in page
    assert ">Solicitudes al mes</label>" in page and ">Sitio de reseñas</label>" in page
    assert ">Greeting</label>" in page  # in no catalog: shown as the plugin wrote it

    form = {"per_month": "many", "site": "google"}
    r = await spanish.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 400
    assert "Solicitudes al mes: debe ser un número entero." in await r.get_data(as_text=True)
    r = await english.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 400 and "Requests per month must be a whole number." in await r.get_data(as_text=True)
