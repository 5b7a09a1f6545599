"""Settings > Invite email (S4): placeholders, preview, send preview, restore, and the real invite."""

from __future__ import annotations

import pytest

from core.auth import links
from core.console.invite_email import DEFAULT_BODY, InviteText, text_problems
from core.console.testing import sign_in_staff
from core.models.auth import LoginToken
from core.models.customers import Contact, ContactEmail
from core.models.mail import OutboundEmail
from tenants.models import Tenant

EDITOR = "/console/settings/invite-email/"
SUBJECT = "{customer_name}, your {business_name} portal is ready"
BODY = "Hi {customer_name},\n\nBookmark {portal_link} for your invoices.\nSee you soon!\n\nThe {business_name} team"


@pytest.fixture
async def admin(client, tenant):
    await sign_in_staff(client, "admin@acme.test", role="admin")
    return client


async def invite_email_for(app, tenant, in_tenant, address: str) -> OutboundEmail:
    services = app.extensions["porchside"]
    with in_tenant(await Tenant.get(id=tenant.id)):  # as saved by the console
        assert await links.send_invite(services, address, invited_by="admin@acme.test")
        return await OutboundEmail.filter(to=address).order_by("-id").first()


async def test_the_editor_starts_with_the_default_text_and_its_preview(admin, tenant):
    page = await (await admin.get(EDITOR)).get_data(as_text=True)
    assert "This is the default text." in page
    assert "Create your customer portal login at {business_name}" in page
    assert "{customer_name}" in page and "{portal_link}" in page
    assert 'name="invite-preview"' in page and 'formtarget="invite-preview"' in page
    preview = await admin.get(f"{EDITOR}preview")
    assert preview.status_code == 200
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = preview.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "form-action 'none'" in policy
    html = await preview.get_data(as_text=True)
    assert "Create your customer portal login at Acme Pool Care" in html
    assert "Hello Alex Morgan," in html and ">Create login</a>" in html
    assert '<a href="http://acme.localhost/" style="color:#0b6e99;">http://acme.localhost/</a>' in html


async def test_saved_text_is_what_customers_get(admin, app, tenant, make_customer, in_tenant):
    account = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    with in_tenant(tenant):
        contact = await Contact.get(account_id=account.id)
        contact.first_name, contact.last_name = "Pat", "O'Neil"
        await contact.save()
    r = await admin.submit(EDITOR, {"subject": SUBJECT, "body": BODY.replace("\n", "\r\n")})
    assert r.status_code == 302 and r.headers["Location"] == f"{EDITOR}?done=saved"
    stored = (await Tenant.get(id=tenant.id)).portal_settings
    assert stored["invite_subject"] == SUBJECT and stored["invite_body"] == BODY
    assert "You are using your own text." in await (await admin.get(EDITOR)).get_data(as_text=True)

    email = await invite_email_for(app, tenant, in_tenant, "pat@example.com")
    assert email.subject == "Pat O'Neil, your Acme Pool Care portal is ready"
    assert email.text.startswith("Hi Pat O'Neil,\n\nBookmark http://acme.localhost/ for your invoices.\nSee you soon!\n\nThe Acme Pool Care team\n")
    assert "Create login: http://acme.localhost/create-login/" in email.text
    assert "Hi Pat O&#39;Neil,</p>" in email.html
    assert 'Bookmark <a href="http://acme.localhost/" style="color:#0b6e99;">http://acme.localhost/</a> for your invoices.<br>\nSee you soon!</p>' in email.html
    assert ">Create login</a>" in email.html


async def test_the_text_cannot_inject_markup_script_or_headers(admin, app, tenant, make_customer, in_tenant):
    account = await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    with in_tenant(tenant):
        contact = await Contact.get(account_id=account.id)
        contact.first_name = "<b>Pat</b>\nBcc: everyone@example.com"
        await contact.save()
    body = "Hello {customer_name}\n\n<script>alert(1)</script> <a href=\"javascript:alert(2)\">click</a> <img src=x onerror=alert(3)>"
    assert (await admin.submit(EDITOR, {"subject": "Hi {customer_name}", "body": body})).status_code == 302
    email = await invite_email_for(app, tenant, in_tenant, "pat@example.com")
    assert "\n" not in email.subject and email.subject == "Hi <b>Pat</b> Bcc: everyone@example.com"
    assert "<script" not in email.html and "<img src=x" not in email.html and 'href="javascript' not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html and "&lt;b&gt;Pat&lt;/b&gt;" in email.html
    preview = await (await admin.get(f"{EDITOR}preview")).get_data(as_text=True)
    assert "<script" not in preview and "&lt;script&gt;" in preview


@pytest.mark.parametrize(
    ("subject", "body", "field", "message"),
    [
        ("Hello {name}", "Body", "subject", "{name} is not a placeholder"),
        ("Hello", "Dear {customer_name.__class__}", "body", "{customer_name.__class__} is not a placeholder"),
        ("Hello", "Dear {0}", "body", "{0} is not a placeholder"),
        ("Hello", "Prices in {braces", "body", "Use braces only around a placeholder"),
        ("Hello", "}{", "body", "Use braces only around a placeholder"),
        ("Hello\r\nBcc: everyone@example.com", "Body", "subject", "Keep the subject on one line"),
        ("   ", "Body", "subject", "Write a subject"),
        ("Hello", "  \n ", "body", "Write the message"),
        ("x" * 201, "Body", "subject", "under 200 characters"),
        ("Hello", "x" * 5001, "body", "under 5000 characters"),
    ],
)
async def test_bad_templates_are_refused_with_a_reason(admin, tenant, subject, body, field, message):
    assert message in text_problems(subject.strip(), body.strip()).get(field, "")
    r = await admin.submit(EDITOR, {"subject": subject, "body": body})
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "invite_subject" not in ((await Tenant.get(id=tenant.id)).portal_settings or {})


async def test_a_control_character_is_refused_before_the_editor_and_nothing_is_saved(admin, tenant):
    assert "control characters" in text_problems("Hello\x07", "Body").get("subject", "")
    # The central input guard answers first, naming the field (issue 14, item 7).
    r = await admin.submit(EDITOR, {"subject": "Hello\x07", "body": "Body"})
    assert r.status_code == 400 and "subject" in await r.get_data(as_text=True)
    assert "invite_subject" not in ((await Tenant.get(id=tenant.id)).portal_settings or {})


async def test_the_draft_preview_shows_what_was_typed_and_saves_nothing(admin, tenant):
    r = await admin.submit(f"{EDITOR}preview", {"subject": "Draft for {customer_name}", "body": "Only a draft"})
    assert r.status_code == 200 and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = await r.get_data(as_text=True)
    assert "Draft for Alex Morgan" in html and "Only a draft</p>" in html
    assert "invite_subject" not in ((await Tenant.get(id=tenant.id)).portal_settings or {})
    refused = await admin.submit(f"{EDITOR}preview", {"subject": "Hi {nickname}", "body": "Body"})
    text = await refused.get_data(as_text=True)
    assert "The preview cannot be shown yet" in text and "{nickname} is not a placeholder" in text


async def test_send_preview_mails_the_draft_to_me_without_a_real_token(admin, tenant, in_tenant):
    r = await admin.submit(f"{EDITOR}send-preview", {"subject": "Welcome, {customer_name}", "body": "Draft body"})
    assert r.status_code == 200
    page = await r.get_data(as_text=True)
    assert "A preview is on its way to admin@acme.test." in page
    assert 'value="Welcome, {customer_name}"' in page  # the draft stays in the form
    with in_tenant(tenant):
        email = await OutboundEmail.get(to="admin@acme.test")
        assert email.kind == "console.invite_preview" and email.subject == "[Preview] Welcome, Alex Morgan"
        assert "Draft body" in email.text and "http://acme.localhost/sign-in" in email.text
        assert not await LoginToken.exists()
    assert "invite_subject" not in ((await Tenant.get(id=tenant.id)).portal_settings or {})
    bad = await admin.submit(f"{EDITOR}send-preview", {"subject": "Hi {x}", "body": "Body"})
    assert bad.status_code == 400


async def test_send_preview_is_rate_limited(make_app, client_for, in_tenant):
    async with make_app(rate_limits={"link_per_email": "2/900"}) as app:
        from tenants.service import create_tenant

        tenant = await create_tenant("acme", "Acme")
        client = client_for(tenant, app)
        await sign_in_staff(client, "admin@acme.test", role="admin")
        form = {"subject": "Hello", "body": "Body"}
        assert [(await client.submit(f"{EDITOR}send-preview", form)).status_code for _ in range(3)] == [200, 200, 429]
        with in_tenant(tenant):
            assert await OutboundEmail.filter(to="admin@acme.test").count() == 2


async def test_restore_defaults(admin, tenant):
    await admin.submit(EDITOR, {"subject": SUBJECT, "body": BODY})
    r = await admin.submit(f"{EDITOR}restore")
    assert r.status_code == 302 and r.headers["Location"] == f"{EDITOR}?done=restored"
    settings = (await Tenant.get(id=tenant.id)).portal_settings
    assert "invite_subject" not in settings and "invite_body" not in settings
    assert settings["sign_in_methods"] == "both"  # the rest of the settings stay
    page = await (await admin.get(f"{EDITOR}?done=restored")).get_data(as_text=True)
    assert "The default invite email is back." in page and "This is the default text." in page


async def test_link_only_portals_invite_with_a_sign_in_link_and_their_own_default(admin, app, tenant, make_customer, in_tenant):
    await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
    await admin.submit("/console/settings/portal", {"sign_in_methods": "link", "magic_link_minutes": "15", "deep_link_days": "7"})
    email = await invite_email_for(app, tenant, in_tenant, "pat@example.com")
    assert email.subject == "Acme Pool Care invites you to its customer portal"
    assert "Sign in: http://acme.localhost/sign-in/link/" in email.text
    assert "Your username" not in email.text and ">Sign in</a>" in email.html
    preview = await (await admin.get(f"{EDITOR}preview")).get_data(as_text=True)
    assert "Acme Pool Care invites you to its customer portal" in preview and ">Sign in</a>" in preview


async def test_the_contact_name_comes_from_the_invited_address(app, tenant, make_customer, in_tenant):
    account = await make_customer(tenant, "Rivera Household", emails=["sam@example.com", "jo@example.com"])
    with in_tenant(tenant):
        jo = await ContactEmail.get(email="jo@example.com").prefetch_related("contact")
        jo.contact.last_name = "Rivera"
        await jo.contact.save()
    email = await invite_email_for(app, tenant, in_tenant, "jo@example.com")
    assert email.text.startswith("Hello Jo Rivera,")
    assert account.name not in email.text.splitlines()[0]


def test_html_paragraphs_and_line_breaks():
    words = InviteText("S", "One\nline two\n\n\n  Para two {business_name}", "C", "A & B", "http://x.localhost/")
    assert str(words.html("#000000")) == (
        '<p style="margin:0 0 16px 0;">One<br>\nline two</p>\n<p style="margin:0 0 16px 0;">  Para two A &amp; B</p>'
    )
    assert words.text() == "One\nline two\n\n\n  Para two A & B"
    assert text_problems("S", DEFAULT_BODY) == {}


async def test_deliverable_through_smtp(make_app, smtp_server, client_for, make_customer, in_tenant):
    """The customised invite leaves as a real email with both parts."""
    async with make_app(smtp_url=smtp_server.url, dev_outbox=False) as app:
        from tenants.service import create_tenant

        tenant = await create_tenant("acme", "Acme Pool Care")
        await make_customer(tenant, "Pat's House", emails=["pat@example.com"])
        client = client_for(tenant, app)
        await sign_in_staff(client, "admin@acme.test", role="admin")
        assert (await client.submit(EDITOR, {"subject": SUBJECT, "body": BODY})).status_code == 302
        with in_tenant(await Tenant.get(id=tenant.id)):
            await links.send_invite(app.extensions["porchside"], "pat@example.com")
        [message] = await smtp_server.wait_for(1)
        assert message["Subject"] == "Pat, your Acme Pool Care portal is ready"
        assert "Bookmark http://acme.localhost/ for your invoices." in message.get_body(("plain",)).get_content()
        assert "Bookmark <a href" in message.get_body(("html",)).get_content()


async def test_the_history_subject_fills_the_business_and_describes_the_rest(tenant):
    from core.console.invite_email import history_subject

    assert history_subject(tenant, "Hello {customer_name}, {business_name} is online") == (
        "Hello [the contact's name], Acme Pool Care is online"
    )
