"""Webhooks: owners and admins subscribe their own systems to events and watch the deliveries.

Permission ``api`` (the integration pages). The list shows every endpoint
with its event types and state; adding one checks the URL with the SSRF
guard and shows the ``whsec_`` secret once, in the answer to the POST
(``Cache-Control: no-store``), never again. The form carries a one-time key
claimed in the cache, so a double submit adds one endpoint. An endpoint's
page has its delivery log (newest first, paginated: time, type, response
code, attempts, status) with a "Resend" button per delivery: a conditional
update from succeeded or failed to pending decides, so a double click sends
it once, with the same ``webhook-id`` (the form carries the attempt count
the page showed, so a second click after the first was delivered does
nothing either). Enable, disable and delete are
buttons too. Every change is audited as ``webhook_endpoint.*`` or
``webhook_delivery.resent``.
"""

from __future__ import annotations

import re
import secrets

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.cache import tenant_key
from core.console.access import staff_required
from core.console.form_fields import FormReader
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models.webhooks import WebhookDelivery, WebhookEndpoint
from core.portal.pagination import paginate
from core.services import current_services
from core.web.errors import render_error
from core.webhooks.endpoints import MAX_ENDPOINTS, MAX_TYPES, EndpointRefused, create_endpoint, resend, set_enabled
from core.webhooks.events import available_types

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")

PERMISSION = "api"
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLAIM_TTL = 24 * 3600

NOTICES = {
    "enabled": lazy_gettext("The endpoint is enabled again; new events go to it."),
    "disabled": lazy_gettext("The endpoint is disabled; it receives nothing until it is enabled."),
    "deleted": lazy_gettext("The endpoint and its delivery log are deleted."),
    "resent": lazy_gettext("The delivery is queued again with the same webhook-id."),
    "already_queued": lazy_gettext("That delivery is already on its way."),
    "already_added": lazy_gettext("That form was already sent: the endpoint was added once (its secret was shown then)."),
    "unchanged": lazy_gettext("Nothing changed: the endpoint already was in that state."),
}


def refusal_text(refused: EndpointRefused) -> str:
    """Why the endpoint was refused, in the reader's language (the API keeps the English message and code)."""
    if refused.code == "event_types_empty":
        return _("Choose at least one event type.")
    if refused.code == "too_many":
        return _("Choose at most %(max)d event types.", max=MAX_TYPES)
    if refused.code == "unknown_event_type":
        return _("Choose only event types from the list.")
    if refused.code == "too_many_endpoints":
        return _("A business can have at most %(max)d webhook endpoints.", max=MAX_ENDPOINTS)
    return refused.message  # the URL check's own sentence


async def _form_page(values: dict, errors: dict, status: int = 200):
    types = await available_types(current_services())
    endpoints = await WebhookEndpoint.all()
    body = await render_console(
        "console/webhooks/index.html", endpoints=endpoints, types=types, values=values, errors=errors,
        form_key=secrets.token_urlsafe(24), notice=notice(NOTICES),
    )
    return body, status


@blueprint.get("/")
@staff_required(PERMISSION)
async def index():
    return await _form_page({"event_types": []}, {})


@blueprint.post("/")
@staff_required(PERMISSION)
async def add():
    form = await request.form
    reader = FormReader(form, g.tenant)
    url = reader.text("url", _("URL"), max_length=2000, required=True)
    description = reader.text("description", _("Description"), max_length=200)
    chosen = form.getlist("event_types")
    values = {"url": url, "description": description, "event_types": chosen}
    if reader.errors:
        return await _form_page(values, reader.errors, 422)
    key = str(form.get("form_key", ""))
    if not FORM_KEY.match(key):
        return await _form_page(values, {"url": _("The form expired; send it again.")}, 422)
    services = current_services()
    if await services.cache.incr(tenant_key("webhook-form", key), CLAIM_TTL) != 1:
        # A double submit: the first one added it and showed its secret.
        return redirect(url_for("console.webhooks.index", done="already_added"))
    try:
        endpoint, secret = await create_endpoint(services, url, chosen, g.staff.email, description)
    except EndpointRefused as refused:  # the page comes back with a fresh form key
        return await _form_page(values, {refused.field: refusal_text(refused)}, 422)
    await record(
        "webhook_endpoint.created", actor_type="staff", actor=g.staff.email, target=endpoint.public_id,
        url=endpoint.url, event_types=endpoint.event_types,
    )
    body = await render_console("console/webhooks/secret.html", endpoint=endpoint, secret=secret)
    return body, 201, {"Cache-Control": "no-store"}


async def _endpoint_or_404(public_id: str) -> WebhookEndpoint | None:
    return await WebhookEndpoint.get_or_none(public_id=public_id)  # the manager scopes it to this tenant


@blueprint.get("/<public_id>")
@staff_required(PERMISSION)
async def detail(public_id: str):
    endpoint = await _endpoint_or_404(public_id)
    if endpoint is None:
        return await render_error(404, "not_found", _("There is no such webhook endpoint."))
    page = await paginate(WebhookDelivery.filter(endpoint_id=endpoint.id).order_by("-created_at", "-id"), per_page=25)
    return await render_console("console/webhooks/detail.html", endpoint=endpoint, page=page, notice=notice(NOTICES))


def _back(endpoint: WebhookEndpoint, done: str):
    number = request.args.get("page", "")
    args = {"done": done, **({"page": number} if number.isdigit() else {})}
    return redirect(url_for("console.webhooks.detail", public_id=endpoint.public_id, **args))


@blueprint.post("/<public_id>/enable")
@staff_required(PERMISSION)
async def enable(public_id: str):
    return await _switch(public_id, "enable")


@blueprint.post("/<public_id>/disable")
@staff_required(PERMISSION)
async def disable(public_id: str):
    return await _switch(public_id, "disable")


async def _switch(public_id: str, state: str):
    endpoint = await _endpoint_or_404(public_id)
    if endpoint is None:
        return await render_error(404, "not_found", _("There is no such webhook endpoint."))
    on = state == "enable"
    if not await set_enabled(endpoint, on):
        return _back(endpoint, "unchanged")
    await record(f"webhook_endpoint.{state}d", actor_type="staff", actor=g.staff.email, target=endpoint.public_id, url=endpoint.url)
    return _back(endpoint, f"{state}d")


@blueprint.post("/<public_id>/delete")
@staff_required(PERMISSION)
async def delete(public_id: str):
    endpoint = await _endpoint_or_404(public_id)
    if endpoint is None:
        return redirect(url_for("console.webhooks.index", done="deleted"))  # a second press: already gone
    await endpoint.delete()
    await record("webhook_endpoint.deleted", actor_type="staff", actor=g.staff.email, target=endpoint.public_id, url=endpoint.url)
    return redirect(url_for("console.webhooks.index", done="deleted"))


@blueprint.post("/<public_id>/deliveries/<delivery_id>/resend")
@staff_required(PERMISSION)
async def resend_delivery(public_id: str, delivery_id: str):
    endpoint = await _endpoint_or_404(public_id)
    delivery = await WebhookDelivery.get_or_none(public_id=delivery_id, endpoint_id=endpoint.id) if endpoint else None
    if endpoint is None or delivery is None:
        return await render_error(404, "not_found", _("There is no such webhook delivery."))
    seen = (await request.form).get("attempts", "")
    if not await resend(current_services(), delivery, int(seen) if seen.isdigit() and len(seen) < 6 else None):
        return _back(endpoint, "already_queued")
    await record(
        "webhook_delivery.resent", actor_type="staff", actor=g.staff.email, target=delivery.public_id,
        endpoint=endpoint.public_id, event_type=delivery.event_type,
    )
    return _back(endpoint, "resent")
