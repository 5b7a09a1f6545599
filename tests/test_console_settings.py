"""Settings > Customer portal and Branding (S2, S3, S8), through the console's forms."""

from __future__ import annotations

import functools
import io
import re

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from core.console.testing import sign_in_staff
from core.models.platform import AuditEvent
from tenants.models import Domain, Tenant
from tests.dns_server import use_loopback_dns
from tests.plugins import reviews

PORTAL = "/console/settings/portal"
BRANDING = "/console/settings/branding/"


async def fresh(tenant: Tenant) -> Tenant:
    return await Tenant.get(id=tenant.id)


@pytest.fixture
async def owner(client, tenant):
    """``client`` signed in as the owner of acme."""
    await sign_in_staff(client, "owner@acme.test", role="owner")
    return client


async def test_switching_the_portal_off_shows_customers_the_not_available_page(owner, client_for, tenant, make_customer, in_tenant):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    customer = client_for(tenant)
    await customer.sign_in_as("pat@example.com")
    assert (await customer.get("/")).status_code == 200
    r = await owner.submit(f"{PORTAL}/switch", {"enabled": "off"})
    assert r.status_code == 302 and r.headers["Location"] == f"{PORTAL}?done=off"
    assert not (await fresh(tenant)).portal_enabled
    for path in ("/", "/sign-in", "/contact"):
        page = await customer.get(path)
        assert page.status_code == 503, path
        assert "The customer portal of Acme Pool Care is not available" in await page.get_data(as_text=True)
    settings = await owner.get(f"{PORTAL}?done=off")  # the console keeps working
    assert settings.status_code == 200 and "The portal is off" in await settings.get_data(as_text=True)
    await owner.submit(f"{PORTAL}/switch", {"enabled": "on"})
    assert (await customer.get("/")).status_code == 200
    with in_tenant(tenant):
        assert [e.action for e in await AuditEvent.filter(action__startswith="settings.portal_o").order_by("id")] == [
            "settings.portal_off", "settings.portal_on",
        ]


async def test_an_admin_cannot_switch_the_portal_or_move_it(client, tenant):
    await sign_in_staff(client, "admin@acme.test", role="admin")
    page = await (await client.get(PORTAL)).get_data(as_text=True)
    assert "Only an owner can switch the portal" in page and f'action="{PORTAL}/switch"' not in page
    assert (await client.submit(f"{PORTAL}/switch", {"enabled": "off"})).status_code == 403
    assert (await client.submit(f"{PORTAL}/address", {"slug": "acme-pools"})).status_code == 403
    current = await fresh(tenant)
    assert current.portal_enabled and current.slug == "acme"


async def test_a_new_web_address_and_the_old_one_redirecting(owner, client_for, tenant):
    r = await owner.submit(f"{PORTAL}/address", {"slug": "Acme-Pools"})
    # A page on the old host (a form's redirect to another host is blocked
    # by the CSP's form-action): it names the new address and links to the
    # console sign-in there, which comes back to these settings.
    assert r.status_code == 200
    page = await r.get_data(as_text=True)
    assert "The portal now answers at <strong>acme-pools.localhost</strong>" in page
    sign_in = "http://acme-pools.localhost/console/sign-in?next=/console/settings/portal?done%3Daddress"
    assert f'href="{sign_in}"' in page.replace("&amp;", "&")
    assert (await fresh(tenant)).slug == "acme-pools"
    old = client_for("acme.localhost")
    moved = await old.get("/contact?from=card")
    assert moved.status_code == 301 and moved.headers["Location"] == "http://acme-pools.localhost/contact?from=card"
    assert (await old.get(PORTAL)).headers["Location"] == f"http://acme-pools.localhost{PORTAL}"
    # Except the brand stylesheet, which the confirmation page (old host) loads.
    assert (await old.get("/brand.css")).status_code == 200
    new = client_for("acme-pools.localhost")
    assert "Acme Pool Care" in await (await new.get("/contact")).get_data(as_text=True)
    # The staff cookie belonged to the old host: the new one asks to sign in.
    assert (await new.get(PORTAL)).headers["Location"].startswith("/console/sign-in")
    domain = await Domain.get(kind="subdomain", host="acme")
    assert domain.redirect and domain.expires_at is not None


# A refused form changes nothing, so each test below tries all its bad values
# in one app, one after another, each checked as it is refused (a test per
# value cost an app each, issue 19).
BAD_ADDRESSES = [
    ("not a slug", "lowercase letters"),
    ("-acme", "lowercase letters"),
    ("console", "reserved"),
    ("globex", "already taken"),
]


async def test_a_bad_or_taken_address_is_refused_with_a_reason(owner, tenant, other_tenant):
    for slug, message in BAD_ADDRESSES:
        r = await owner.submit(f"{PORTAL}/address", {"slug": slug})
        assert r.status_code == 400, slug
        page = await r.get_data(as_text=True)
        assert message in page and 'aria-invalid="true"' in page, slug
        assert (await fresh(tenant)).slug == "acme", slug


async def test_custom_domains_can_be_added_as_main_address_and_removed(owner, client_for, tenant, app, loopback_dns):
    from core.links import portal_url

    use_loopback_dns(app, loopback_dns)
    r = await owner.submit(f"{PORTAL}/domains", {"host": "Portal.Acme-Pools.example", "primary": "on"})
    assert r.status_code == 302
    custom = client_for("portal.acme-pools.example")
    assert (await custom.get("/contact")).status_code == 404  # not before it is verified
    page = await (await owner.get(PORTAL)).get_data(as_text=True)
    assert "_porchside.portal.acme-pools.example" in page
    loopback_dns.publish("_porchside.portal.acme-pools.example", re.search(r"porchside-verify=[0-9a-f]{32}", page)[0])
    r = await owner.submit(f"{PORTAL}/domains/verify", {"host": "portal.acme-pools.example"})
    assert r.status_code == 302 and r.headers["Location"] == f"{PORTAL}?done=domain_verified"

    assert "Acme Pool Care" in await (await custom.get("/contact")).get_data(as_text=True)
    services = app.extensions["porchside"]
    assert await portal_url(services, await fresh(tenant), "/") == "http://portal.acme-pools.example/"
    assert "portal.acme-pools.example" in await (await owner.get(PORTAL)).get_data(as_text=True)
    for bad, message in (
        ("not a domain!", "not a valid domain"),
        ("shop.localhost", "“localhost” names only work on one computer"),
        ("127.0.0.1", "not an IP address"),
        ("portal.acme-pools.example", "already one of this business"),
    ):
        refused = await owner.submit(f"{PORTAL}/domains", {"host": bad})
        assert refused.status_code == 400 and message in await refused.get_data(as_text=True), bad
    r = await owner.submit(f"{PORTAL}/domains/remove", {"host": "portal.acme-pools.example"})
    assert r.status_code == 302
    assert (await custom.get("/contact")).status_code == 404
    assert await portal_url(services, await fresh(tenant), "/") == "http://acme.localhost/"


async def test_sign_in_methods_and_link_lifetimes(owner, client_for, tenant):
    r = await owner.submit(PORTAL, {"sign_in_methods": "link", "magic_link_minutes": "30", "deep_link_days": "10",
                                    **{f"section_{s}": "on" for s in ("work_history", "invoices")}})
    assert r.status_code == 302 and r.headers["Location"] == f"{PORTAL}?done=saved"
    current = await fresh(tenant)
    assert current.portal_setting("sign_in_methods") == "link"
    assert current.portal_setting("magic_link_minutes") == 30 and current.portal_setting("deep_link_days") == 10
    sign_in = await (await client_for(tenant).get("/sign-in")).get_data(as_text=True)
    assert "Email me a sign-in link" in sign_in and "Sign in with a password" not in sign_in
    page = await (await owner.get(PORTAL)).get_data(as_text=True)
    assert 'value="link" checked' in page and 'value="30"' in page


BAD_SIGN_IN_SETTINGS = [
    ("sign_in_methods", "carrier pigeon", "Choose how customers sign in"),
    ("magic_link_minutes", "0", "between 5 and 120"),
    ("magic_link_minutes", "ten", "whole number"),
    ("deep_link_days", "365", "between 1 and 30"),
]


async def test_bad_sign_in_settings_change_nothing(owner, tenant):
    for field, value, message in BAD_SIGN_IN_SETTINGS:
        form = {"sign_in_methods": "both", "magic_link_minutes": "20", "deep_link_days": "7", field: value}
        r = await owner.submit(PORTAL, form)
        assert r.status_code == 400 and message in await r.get_data(as_text=True), (field, value)
        assert (await fresh(tenant)).portal_setting("magic_link_minutes") == 15, (field, value)


@pytest.fixture
async def reviews_app(make_app):
    async with make_app(plugins=[("reviews", reviews)]) as started:
        yield started


async def test_included_in_portal_hides_a_tab_and_its_routes(reviews_app, client_for, make_customer, in_tenant):
    from tenants.service import create_tenant

    acme = await create_tenant("acme", "Acme Pool Care")
    await make_customer(acme, "Pat's House", emails=["pat@example.com"])
    owner = client_for(acme, reviews_app)
    await sign_in_staff(owner)
    customer = client_for(acme, reviews_app)
    await customer.sign_in_as("pat@example.com")
    # The plugin is off until turned on, and then offers its tab as a section.
    assert "section_reviews" not in await (await owner.get(PORTAL)).get_data(as_text=True)
    await owner.submit("/console/plugins/reviews/switch", {"enabled": "on"})
    page = await (await owner.get(PORTAL)).get_data(as_text=True)
    assert 'name="section_reviews"' in page and "from the Reviews plugin" in page
    assert 'href="/reviews"' in await (await customer.get("/")).get_data(as_text=True)
    assert (await customer.get("/reviews")).status_code == 200
    # Every switch on the form stays on but invoices and reviews.
    shown = [key for key in re.findall(r'name="section_(\w+)"', page) if key not in ("invoices", "reviews")]
    assert "work_history" in shown
    await owner.submit(PORTAL, {"sign_in_methods": "both", "magic_link_minutes": "15", "deep_link_days": "7",
                                **{f"section_{s}": "on" for s in shown}})
    current = await fresh(acme)
    assert not current.section_enabled("reviews") and not current.section_enabled("invoices")
    assert current.section_enabled("work_history")
    home = await (await customer.get("/")).get_data(as_text=True)
    assert 'href="/reviews"' not in home
    assert (await customer.get("/reviews")).status_code == 404  # the route goes, not just the link
    assert (await customer.get("/reviews/admin/")).status_code == 404
    # Turning the plugin off keeps its switch as it was.
    await owner.submit("/console/plugins/reviews/switch", {"enabled": "off"})
    await owner.submit(PORTAL, {"sign_in_methods": "both", "magic_link_minutes": "15", "deep_link_days": "7",
                                **{f"section_{s}": "on" for s in (*shown, "invoices")}})
    current = await fresh(acme)
    assert current.section_enabled("invoices") and current.portal_setting("sections")["reviews"] is False
    with in_tenant(acme):
        event = await AuditEvent.filter(action="settings.portal_saved").order_by("id").first()
        assert event.detail["hidden_sections"] == ["invoices", "reviews"]


async def test_a_core_section_switched_off_answers_404(owner, tenant, make_customer, client_for):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    customer = client_for(tenant)
    await customer.sign_in_as("pat@example.com")
    assert (await customer.get("/service-history")).status_code == 200
    sections = ("work_history", "invoices", "payments", "statement", "documents")
    await owner.submit(PORTAL, {"sign_in_methods": "both", "magic_link_minutes": "15", "deep_link_days": "7",
                                **{f"section_{s}": "on" for s in sections}})
    assert (await customer.get("/service-history")).status_code == 404
    assert 'href="/service-history"' not in await (await customer.get("/")).get_data(as_text=True)


# -- branding ------------------------------------------------------------------


def image_bytes(kind: str, size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 153)).save(buffer, format=kind)
    return buffer.getvalue()


async def upload(client, data: bytes, filename: str = "logo.png", content_type: str = "image/png"):
    file = FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)
    return await client.submit(f"{BRANDING}logo", {}, files={"logo": file})


BRAND = {
    "name": "Acme Pool & Spa",
    "brand_colour": "#FFCC00",
    "contact_phone": "555-0199",
    "contact_email": "Hello@Acme.example",
    "contact_address": "1 Main Street\r\nSpringfield",
    "contact_hours": "Mon-Fri 8am-5pm",
    "website": "https://acme.example",
}


async def test_branding_reaches_contact_us_the_brand_colour_and_emails(owner, client_for, tenant):
    r = await owner.submit(BRANDING, BRAND)
    assert r.status_code == 302 and r.headers["Location"] == f"{BRANDING}?done=saved"
    current = await fresh(tenant)
    assert current.name == "Acme Pool & Spa" and current.brand_colour == "#ffcc00"
    assert current.contact_email == "hello@acme.example" and current.contact_address == "1 Main Street\nSpringfield"
    contact = await (await client_for(tenant).get("/contact")).get_data(as_text=True)
    for text in ("Acme Pool &amp; Spa", "555-0199", "hello@acme.example", "Mon-Fri 8am-5pm", "https://acme.example"):
        assert text in contact
    css = await (await client_for(tenant).get("/brand.css")).get_data(as_text=True)
    assert "--brand:" in css and "#ffcc00" not in css  # yellow is darkened for readable text
    page = await (await owner.get(BRANDING)).get_data(as_text=True)
    assert "For readable text the portal darkens it to" in page


BAD_BRANDING = [
    ("brand_colour", "red", "#0b6e99"),
    ("brand_colour", "#12345", "#0b6e99"),
    ("name", "", "business name is required"),
    ("name", "Acme\nBcc: everyone@example.com", "line breaks"),
    ("contact_email", "not-an-address", "not an email address"),
    ("website", "javascript:alert(1)", "must start with https://"),
    ("contact_hours", "x" * 201, "at most 200"),
]


async def test_bad_branding_is_refused_and_nothing_changes(owner, tenant):
    for field, value, message in BAD_BRANDING:
        r = await owner.submit(BRANDING, {**BRAND, field: value})
        assert r.status_code == 400 and message in await r.get_data(as_text=True), (field, value)
        current = await fresh(tenant)
        assert current.name == "Acme Pool Care" and current.brand_colour == "#0b6e99", (field, value)


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
async def test_a_logo_upload_is_stored_and_served_by_the_portal(owner, client_for, tenant, other_tenant, kind, content_type):
    data = image_bytes(kind)
    r = await upload(owner, data, filename="my logo.bin", content_type="application/octet-stream")
    assert r.status_code == 302
    current = await fresh(tenant)
    assert current.logo_path and current.logo_path.startswith(f"{tenant.id}/")
    served = await client_for(tenant).get("/logo")
    assert served.status_code == 200 and served.content_type == content_type
    assert await served.get_data() == data
    assert (await client_for(other_tenant).get("/logo")).status_code == 404
    assert 'src="/logo"' in await (await client_for(tenant).get("/contact")).get_data(as_text=True)
    r = await owner.submit(f"{BRANDING}logo/remove")
    assert r.status_code == 302 and (await fresh(tenant)).logo_path is None
    assert (await client_for(tenant).get("/logo")).status_code == 404


BAD_LOGOS = [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a PNG or JPEG image"),
    (b"\x89PNG\r\n\x1a\n but not really", "not a PNG or JPEG image"),
    (image_bytes("GIF"), "Use a PNG or JPEG image"),
    (image_bytes("PNG", (5000, 10)), "at most 4096 pixels"),
    (b"", "Choose a PNG or JPEG file"),
]


async def test_a_logo_is_judged_by_its_bytes(owner, tenant):
    for data, message in BAD_LOGOS:
        r = await upload(owner, data)
        assert r.status_code == 400 and message in await r.get_data(as_text=True), message
        assert (await fresh(tenant)).logo_path is None, message


@functools.cache
def noise_png() -> bytes:
    """A real PNG of noise over 2 MB, made once per process (the same bytes do for both databases)."""
    noise = io.BytesIO()
    Image.effect_noise((1100, 1100), 100).convert("RGB").save(noise, format="PNG")
    return noise.getvalue()


async def test_a_logo_over_the_size_limit_is_refused(owner, tenant):
    noise = noise_png()
    assert len(noise) > 2 * 1024 * 1024
    r = await upload(owner, noise)
    assert r.status_code == 400 and "at most 2 MB" in await r.get_data(as_text=True)
