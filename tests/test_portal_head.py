"""What every portal page carries in its head, and the "portal is off" page (issue 18, item 5).

A tab icon (the business's logo, else Porchside's default) so browsers log
no 404, a meta description, and the business's name, logo and colour on
the page customers see while the portal is switched off.
"""

from __future__ import annotations

from core.console.testing import sign_in_staff
from tenants.context import use_tenant
from tests.portal_data import PAT, page_of, pat, pat_client, portal_data  # noqa: F401 - fixtures

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


async def test_every_page_links_an_icon_and_has_a_description(pat_client):
    for path in ("/", "/contact", "/invoices"):
        html = await page_of(pat_client, path)
        assert '<link rel="icon" href="/favicon.ico">' in html, path
        assert '<meta name="description" content="The customer portal of Acme Pool Care:' in html, path


async def test_the_favicon_is_the_logo_or_the_default(client, tenant, app):
    r = await client.get("/favicon.ico")
    assert r.status_code == 302 and r.headers["Location"] == "/static/favicon.svg"
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    with use_tenant(tenant):
        tenant.logo_path = await app.extensions["porchside"].storage.save(PNG, "logo.png")
    await tenant.save(update_fields=["logo_path"])
    logo = await client.get("/favicon.ico")
    assert logo.status_code == 200 and logo.headers["Content-Type"] == "image/png" and await logo.get_data() == PNG


async def test_the_portal_off_page_wears_the_brand(client, client_for, tenant):
    owner = client_for("acme.localhost")
    await sign_in_staff(owner, "owner@acme.test", role="owner")
    await owner.submit("/console/settings/portal/switch", {"enabled": "off"})
    page = await client.get("/")
    html = await page.get_data(as_text=True)
    assert page.status_code == 503
    assert '<header class="site-header">' in html and "<span>Acme Pool Care</span>" in html
    assert "The customer portal of Acme Pool Care is not available" in html
    # What the page loads is served, not answered with the "not available" page.
    css = await client.get("/brand.css?v=0b6e99")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert (await client.get("/favicon.ico")).status_code == 302
    assert (await client.get("/invoices")).status_code == 503
