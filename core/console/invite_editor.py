"""Settings > Invite email (S4): edit, preview, send a preview to myself, restore defaults.

The preview is the real invite email (``emails/auth/invite``, the template
:func:`core.auth.links.send_invite` sends) rendered for a sample customer.
It is a document of its own, shown in a frame: the page's "Preview" button
posts the draft into the frame, and ``console.js`` presses it as staff type.
The document may style itself inline (emails must) but runs no script and
submits no form.
"""

from __future__ import annotations

import re
from datetime import timedelta

from markupsafe import Markup
from quart import Blueprint, Response, g, redirect, render_template, request, url_for

from core.audit import record
from core.auth.rate_limit import hit
from core.auth.tokens import INVITE_DAYS, now
from core.console.access import staff_required
from core.console.invite_email import (
    BODY_MAX,
    PLACEHOLDERS,
    SAMPLE_CUSTOMER,
    SUBJECT_MAX,
    InviteText,
    invite_text,
    is_customised,
    normalise_newlines,
    saved_text,
    text_problems,
)
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.links import portal_url
from core.mail.render import render_email
from core.services import current_services
from core.web.dev_outbox import HTML_POLICY
from tenants.models import Tenant

blueprint = Blueprint("invite_email", __name__, url_prefix="/settings/invite-email")

SAMPLE_EMAIL = "alex.morgan@example.com"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
NOTICES = {
    "saved": lazy_gettext("Invite email saved. Every invite from now on uses it."),
    "restored": lazy_gettext("The default invite email is back."),
}


async def _posted_draft() -> tuple[str, str, dict[str, str]]:
    """The posted subject and body, and why they cannot be used (empty when they can)."""
    form = await request.form
    subject, body = form.get("subject", "").strip(), normalise_newlines(form.get("body", "")).strip()
    return subject, body, text_problems(subject, body)


async def email_context(words: InviteText) -> dict:
    """What ``emails/auth/invite`` needs, with a harmless link in place of a token.

    The button of a preview opens the sign-in page: a real "Create login"
    token would be wasted on the staff member's address.
    """
    tenant: Tenant = g.tenant
    link_only = tenant.portal_setting("sign_in_methods") == "link"
    return {
        "url": await portal_url(current_services(), tenant, url_for("auth.sign_in")),
        "expires_at": now() + timedelta(days=INVITE_DAYS),
        "purpose": "magic" if link_only else "invite",
        "account": None,
        "invite": True,
        "words": words,
    }


async def _editor(status: int = 200, subject: str | None = None, body: str | None = None, errors=None, sent_to: str | None = None):
    tenant: Tenant = g.tenant
    saved_subject, saved_body = saved_text(tenant)
    page = await render_console(
        "console/settings/invite_email.html",
        notice=notice(NOTICES),
        subject=saved_subject if subject is None else subject,
        body=saved_body if body is None else body,
        errors=errors or {},
        sent_to=sent_to,
        placeholders=PLACEHOLDERS,
        subject_max=SUBJECT_MAX,
        body_max=BODY_MAX,
        customised=is_customised(tenant),
    )
    return page, status


@blueprint.get("/")
@staff_required("settings")
async def edit():
    return await _editor()


@blueprint.post("/")
@staff_required("settings")
async def save():
    subject, body, errors = await _posted_draft()
    if errors:
        return await _editor(400, subject, body, errors)
    tenant: Tenant = g.tenant
    tenant.portal_settings = {**(tenant.portal_settings or {}), "invite_subject": subject, "invite_body": body}
    await tenant.save(update_fields=["portal_settings"])
    await record("settings.invite_email_saved", actor_type="staff", actor=g.staff.email)
    return redirect(url_for("console.invite_email.edit", done="saved"))


@blueprint.post("/restore")
@staff_required("settings")
async def restore():
    tenant: Tenant = g.tenant
    settings = dict(tenant.portal_settings or {})
    settings.pop("invite_subject", None)
    settings.pop("invite_body", None)
    tenant.portal_settings = settings
    await tenant.save(update_fields=["portal_settings"])
    await record("settings.invite_email_restored", actor_type="staff", actor=g.staff.email)
    return redirect(url_for("console.invite_email.edit", done="restored"))


async def _preview_document(subject: str, body: str, errors: dict[str, str]) -> Response:
    context: dict = {"errors": errors, "to": SAMPLE_EMAIL}
    if not errors:
        services = current_services()
        words = await invite_text(services, g.tenant, SAMPLE_CUSTOMER, subject, body)
        rendered = await render_email(services, g.tenant, "auth/invite", await email_context(words), recipient=SAMPLE_EMAIL)
        match = _BODY.search(rendered.html)
        context.update(subject=rendered.subject, html=Markup(match.group(1) if match else rendered.html), text=rendered.text)
    response = Response(await render_template("console/settings/invite_preview.html", **context), content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@blueprint.get("/preview")
@staff_required("settings")
async def saved_preview():
    subject, body = saved_text(g.tenant)
    return await _preview_document(subject, body, text_problems(subject, body))


@blueprint.post("/preview")
@staff_required("settings")
async def draft_preview():
    return await _preview_document(*await _posted_draft())


@blueprint.post("/send-preview")
@staff_required("settings")
async def send_preview():
    """Email the draft, as a customer would get it, to the signed-in staff member."""
    from core.mail import send_email

    subject, body, errors = await _posted_draft()
    if errors:
        return await _editor(400, subject, body, errors)
    services = current_services()
    staff = g.staff
    if not await hit(services.cache, services.settings, "link_per_email", f"invite-preview:{staff.email}"):
        return await _editor(429, subject, body, {"send": _("You sent several previews just now. Please wait a few minutes.")})
    words = await invite_text(services, g.tenant, SAMPLE_CUSTOMER, _("[Preview] %(subject)s", subject=subject), body)
    await send_email(services, to=staff.email, template="auth/invite", kind="console.invite_preview", context=await email_context(words))
    await record("settings.invite_preview_sent", actor_type="staff", actor=staff.email)
    return await _editor(200, subject, body, sent_to=staff.email)
