"""Console pages in the staff member's language (issue 17).

The list and form building blocks (:mod:`core.console.lists`,
:mod:`core.console.form_fields`) and the navigation declare their texts at
import time as lazy texts; each page must still come out in the language of
whoever reads it, request by request. A Spanish catalog is added as a
plugin's would be (``add_catalog_dir``), with the texts core ships, so the
test holds whether or not core's own catalog is compiled yet.
"""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.console.testing import sign_in_staff
from core.models.staff import StaffUser

SPANISH = {
    "Jobs": "Trabajos",
    "jobs": "trabajos",
    "Title": "Título",
    "Status": "Estado",
    "Any status": "Cualquier estado",
    "No jobs match.": "Ningún trabajo coincide.",
    "Show jobs": "Mostrar trabajos",
    "New job": "Nuevo trabajo",
    "Invoices": "Facturas",
    "Enter %(field)s.": "Complete el campo «%(field)s».",
    "Nothing was saved: %(problem)s": "No se guardó nada: %(problem)s",
    "Sign out": "Cerrar sesión",
}
MORE_BELOW = "Nothing was saved: %(problem)s (and %(num)d more below)"


@pytest.fixture
def spanish(tmp_path):
    catalog = Catalog(locale="es")
    for english, spanish_text in SPANISH.items():
        catalog.add(english, spanish_text)
    catalog.add((MORE_BELOW, MORE_BELOW), (
        "No se guardó nada: %(problem)s (y %(num)d problema más abajo)",
        "No se guardó nada: %(problem)s (y %(num)d problemas más abajo)",
    ))
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as fp:
        write_po(fp, catalog)
    i18n.add_catalog_dir(tmp_path)
    yield
    i18n._catalog_dirs.remove(tmp_path)
    i18n.translations.cache_clear()


async def staff_in(client_for, tenant, in_tenant, email: str, language: str | None):
    browser = client_for(tenant)
    await sign_in_staff(browser, email, role="staff")
    with in_tenant(tenant):
        await StaffUser.filter(email=email).update(language=language)
    return browser


async def test_jobs_list_and_form_in_each_readers_language(spanish, client_for, tenant, in_tenant):
    sofia = await staff_in(client_for, tenant, in_tenant, "sofia@acme.test", "es")
    ed = await staff_in(client_for, tenant, in_tenant, "ed@acme.test", "en")

    response = await sofia.get("/console/jobs/?status=cancelled")
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    # Heading, filter label and choice, button, empty state and menu, all Spanish.
    assert "<h1>Trabajos</h1>" in page and ">Estado</label>" in page
    assert "Cualquier estado" in page and "Mostrar trabajos" in page and "Ningún trabajo coincide." in page
    assert "Cerrar sesión" in page and ">Facturas<" in page
    assert "No jobs match." not in page and "<h1>Jobs</h1>" not in page

    # Column labels too, down to the CSV export's header row.
    export = await (await sofia.get("/console/jobs/?format=csv")).get_data(as_text=True)
    assert export.lstrip("\ufeff").splitlines()[0].split(",")[1:2] == ["Título"] and "Estado" in export.splitlines()[0]

    # The same declarations, read by the next staff member, stay English.
    english = await (await ed.get("/console/jobs/?status=cancelled")).get_data(as_text=True)
    assert "<h1>Jobs</h1>" in english and "No jobs match." in english and "Trabajos" not in english

    # A validation message carries the translated label inside the translated sentence.
    refused = await sofia.submit("/console/jobs/new", {"title": "", "status": "scheduled", "invoice_view": "detailed"})
    assert refused.status_code == 400
    html = await refused.get_data(as_text=True)
    # No account chosen and no title: two problems, the first at the top, the count in Spanish.
    assert "No se guardó nada:" in html and "(y 1 problema más abajo)" in html
    assert "Complete el campo «título»." in html
