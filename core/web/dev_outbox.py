"""The dev outbox: read the current tenant's emails at ``/_dev/outbox``.

The demo runs without a mail server, so its sign-in links are read here.
Every route answers 404 unless ``settings.dev_outbox`` is on (it is by
default only when no SMTP server is configured). Emails of other tenants
are 404 like any missing one. The HTML part is served on a route of its
own with a sandboxed, script-free policy and shown in an iframe; its links
open in the top window, so a magic link can be followed.
"""

from __future__ import annotations

import re

from quart import Blueprint, Response, abort, render_template

from core.i18n import lazy_gettext, lazy_pgettext
from core.models.mail import OutboundEmail
from core.services import current_services
from core.web.errors import render_error

blueprint = Blueprint("dev_outbox", __name__)

LIST_LIMIT = 200
# An email's status (OutboundEmail.status) as the outbox shows it.
STATUS_LABELS = {
    "queued": lazy_pgettext("email status", "Queued"),
    "sent": lazy_pgettext("email status", "Sent"),
    "failed": lazy_pgettext("email status", "Failed"),
}
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
# The email's HTML may style itself and show images, nothing else: no
# scripts, no forms, no plugins; only links, which open in the top window.
HTML_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data: http: https:",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation",
    ]
)


@blueprint.before_request
async def _only_when_enabled():
    if not current_services().settings.dev_outbox:
        return await render_error(404, "not_found", lazy_gettext("There is no page at this address."))
    return None


async def _email_or_404(public_id: str) -> OutboundEmail:
    email = await OutboundEmail.get_or_none(public_id=public_id)
    if email is None:
        abort(404)
    return email


@blueprint.get("/_dev/outbox")
async def index():
    emails = await OutboundEmail.all().order_by("-created_at", "-id").limit(LIST_LIMIT)
    return await render_template("dev/outbox.html", emails=emails, limit=LIST_LIMIT, status_labels=STATUS_LABELS)


@blueprint.get("/_dev/outbox/<public_id>")
async def show(public_id: str):
    return await render_template("dev/outbox_email.html", email=await _email_or_404(public_id), status_labels=STATUS_LABELS)


@blueprint.get("/_dev/outbox/<public_id>/html")
async def html(public_id: str):
    email = await _email_or_404(public_id)
    # <base target="_top">: a link leaves the frame instead of loading the
    # portal inside it (which refuses to be framed).
    base = '<base target="_top">'
    page, found = _HEAD.subn(lambda m: m.group(0) + base, email.html, count=1)
    response = Response(page if found else base + email.html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
