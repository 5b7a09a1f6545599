"""Console settings pages in the staff member's own language (issue 17).

Labels and confirmations defined when a module is imported (notices,
sign-in methods, sections, role names) are translated when a page is drawn,
for whoever reads it, and a plugin's setting labels go through the plugin's
catalog, in the form and in its error messages. Core's texts are compared
with its shipped Spanish catalog; the plugin's come from a catalog of the
test's own.
"""

from __future__ import annotations

from functools import partial

import pytest

from core.console.testing import sign_in_staff
from core.models.staff import StaffUser
from core.testing import translated
from tenants.service import create_tenant
from tests.plugins import reviews

# The reviews plugin's own texts (core does not have them), in a catalog of the test's.
REVIEWS_ES = {
    "Reviews": "Reseñas",
    "Requests per month": "Solicitudes al mes",
    "Review site": "Sitio de reseñas",
}

es = partial(translated, "es")


@pytest.fixture
async def reviews_app(extra_catalogs, make_app):
    extra_catalogs({"es": REVIEWS_ES})
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
    assert f"<h1>{es('Customer portal')}</h1>" in page
    assert es("Portal settings saved.") in page  # a notice defined at import time
    assert es("Email sign-in link only") in page and es("Invoices") in page
    # Same process, same texts, another reader: English.
    page = await (await english.get("/console/settings/portal?done=saved")).get_data(as_text=True)
    assert "<h1>Customer portal</h1>" in page and "Portal settings saved." in page
    assert "Email sign-in link only" in page and es("Portal settings saved.") not in page

    form = {"sign_in_methods": "link", "magic_link_minutes": "500", "deep_link_days": "7"}
    r = await spanish.submit("/console/settings/portal", form)
    assert r.status_code == 400
    between = es("%(field)s must be between %(low)d and %(high)d.")
    assert between % {"field": es("The sign-in link lifetime"), "low": 5, "high": 120} in await r.get_data(as_text=True)

    team = await (await spanish.get("/console/staff/")).get_data(as_text=True)
    assert f">{es('Owner', 'staff role')}</option>" in team and f">{es('Admin', 'staff role')}</option>" in team


async def test_a_plugins_setting_labels_follow_its_catalog_in_the_form_and_its_errors(reviews_app, acme, client_for, in_tenant):
    spanish = await staff_client(reviews_app, acme, client_for, in_tenant, "ana@acme.test", "es")
    english = await staff_client(reviews_app, acme, client_for, in_tenant, "owner@acme.test", None)

    page = await (await spanish.get("/console/plugins/reviews/settings")).get_data(as_text=True)
    assert f"<h1>{es('%(plugin)s settings') % {'plugin': 'Reseñas'}}</h1>" in page
    assert ">Solicitudes al mes</label>" in page and ">Sitio de reseñas</label>" in page
    assert ">Greeting</label>" in page  # in no catalog: shown as the plugin wrote it

    form = {"per_month": "many", "site": "google"}
    r = await spanish.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 400
    assert es("%(field)s must be a whole number.") % {"field": "Solicitudes al mes"} in await r.get_data(as_text=True)
    r = await english.submit("/console/plugins/reviews/settings", form)
    assert r.status_code == 400 and "Requests per month must be a whole number." in await r.get_data(as_text=True)
