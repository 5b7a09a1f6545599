"""API clients: owners and admins create, rotate and revoke the business's integration credentials.

Permission ``api``. The list shows each client's name, client id, scopes,
who created it and when, its last use and whether it is revoked. The
secret (created, or rotated) is shown once: the POST keeps it in the cache
for a few minutes (encrypted with a key derived from the app's secret
key, so Redis never holds it in clear) under the form's one-time key and
redirects to a page that takes it out on first view, so reloading that page, going back, or a
second tab never shows it again (only its SHA-256 is stored, see
:mod:`core.api.clients`).

Every form carries a one-time ``form_key``. The first POST with a key claims
it (an atomic ``incr`` in the cache, shared by every app instance), so a
double submit creates one client, or rotates once, and the second request
is sent to the same one-time page. Revoking is a conditional update, so a
second press does nothing. Each action is audited as
``api_client.created|rotated|revoked`` with the client's name and id.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from babel.support import LazyProxy
from cryptography.fernet import InvalidToken
from quart import Blueprint, current_app, g, redirect, request, url_for

from core.api.clients import create_client, revoke_client, rotate_secret
from core.audit import record
from core.cache import tenant_key
from core.console.access import staff_required
from core.console.form_fields import FormReader
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models.api import ApiClient
from core.plugin_state import secret_fernet
from core.services import current_services
from core.web.errors import render_error

blueprint = Blueprint("api_clients", __name__, url_prefix="/api-clients")

PERMISSION = "api"
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLAIM_TTL = 24 * 3600  # a form key works once for a day (a form left open overnight is refused)
SECRET_TTL = 10 * 60  # how long a secret waits for its one-time page
PURPOSE = b"porchside api client secret shown once"

NOTICES = {
    "revoked": lazy_gettext("The client is revoked: its secret and every token it held stopped working."),
    "already_revoked": lazy_gettext("That client was already revoked."),
}


@dataclass(frozen=True)
class ScopeGroup:
    """One resource on the create form: its read and write scopes.

    ``title`` and ``description`` are what staff read (lazy texts render in
    their language); ``resource`` and the scopes are identifiers.
    """

    resource: str
    title: str | LazyProxy
    description: str | LazyProxy
    read: str
    write: str


def scope_groups() -> list[ScopeGroup]:
    """The scopes a client of this business may be given, by resource (core's and enabled plugins')."""
    registry = current_app.extensions["porchside.api"]
    return [
        ScopeGroup(r.name, r.label, r.description, r.read_scope, r.write_scope)
        for r in registry.enabled(g.get("enabled_plugins", frozenset()))
    ]


def _new_form_key() -> str:
    return secrets.token_urlsafe(24)


async def _claim(key: str) -> bool:
    """Whether this request is the first to use the form key (atomic across instances)."""
    return await current_services().cache.incr(tenant_key("api-client-form", key), CLAIM_TTL) == 1


async def _keep_secret(key: str, client: ApiClient, secret: str, action: str) -> None:
    """Hold the secret for its one-time page, for this staff member only."""
    services = current_services()
    payload = {"client_id": client.client_id, "secret": secret, "action": action, "staff": g.staff.public_id}
    token = secret_fernet(services.settings.secret_key, PURPOSE).encrypt(json.dumps(payload).encode()).decode()
    await services.cache.set(tenant_key("api-client-secret", key), token, ttl=SECRET_TTL)


def _read_secret(token: str | None) -> dict | None:
    if not token:
        return None
    try:
        return json.loads(secret_fernet(current_services().settings.secret_key, PURPOSE).decrypt(token.encode()))
    except InvalidToken:  # the secret key changed meanwhile: as good as expired
        return None


async def client_or_404(client_id: str) -> ApiClient | None:
    # The tenant manager scopes the query: another business's client id is not found.
    return await ApiClient.get_or_none(client_id=client_id)


def _not_found():
    return render_error(404, "not_found", _("There is no such API client."))


@blueprint.get("/")
@staff_required(PERMISSION)
async def index():
    # Sorted here: SQLite and PostgreSQL put NULL revoked_at at opposite ends.
    clients = sorted(await ApiClient.all().order_by("name", "id"), key=lambda c: c.revoked_at is not None)
    return await render_console("console/api_clients/index.html", clients=clients, notice=notice(NOTICES))


async def _form_page(values: dict, errors: dict, chosen: list[str], status: int = 200):
    body = await render_console(
        "console/api_clients/new.html", values=values, errors=errors, chosen=set(chosen),
        groups=scope_groups(), form_key=_new_form_key(),
    )
    return body, status


@blueprint.get("/new")
@staff_required(PERMISSION)
async def new():
    return await _form_page({}, {}, [])


@blueprint.post("/new")
@staff_required(PERMISSION)
async def create():
    form = await request.form
    reader = FormReader(form, g.tenant)
    name = reader.text("name", _("The name"), max_length=200, required=True)
    chosen = [s for s in form.getlist("scope") if isinstance(s, str)]
    known = [s for group in scope_groups() for s in (group.read, group.write)]
    if not chosen:
        reader.fail("scope", _("Choose at least one permission."))
    elif set(chosen) - set(known):
        reader.fail("scope", _("Choose only permissions from the list."))
    key = reader.raw("form_key")
    if not FORM_KEY.match(key):
        reader.fail("name", _("The form expired; fill it in again."))
    if reader.errors:
        return await _form_page(reader.values, reader.errors, chosen, 400)
    if not await _claim(key):
        # The same form again (a double click, a reload): the first request created the client.
        return redirect(url_for("console.api_clients.secret", key=key), 303)
    try:
        client, secret = await create_client(g.tenant, name, chosen, created_by=g.staff.email, known_scopes=known)
    except ValueError as exc:
        await current_services().cache.delete(tenant_key("api-client-form", key))
        return await _form_page(reader.values, {"name": str(exc)}, chosen, 400)
    await record(
        "api_client.created", actor_type="staff", actor=g.staff.email, target=client.client_id,
        name=client.name, scopes=client.scopes,
    )
    await _keep_secret(key, client, secret, "created")
    return redirect(url_for("console.api_clients.secret", key=key), 303)


@blueprint.get("/secret/<key>")
@staff_required(PERMISSION)
async def secret(key: str):
    """The secret of a client just created or rotated, shown on the first view only."""
    cache = current_services().cache
    stored = await cache.get(tenant_key("api-client-secret", key)) if FORM_KEY.match(key) else None
    payload = _read_secret(stored)
    shown = None
    if payload is not None and payload.get("staff") == g.staff.public_id:
        # incr decides between two views at once (two tabs, a double load): one sees the secret.
        if await cache.incr(tenant_key("api-client-shown", key), SECRET_TTL) == 1:
            await cache.delete(tenant_key("api-client-secret", key))
            shown = payload
    client = await client_or_404(payload["client_id"]) if payload else None
    body = await render_console("console/api_clients/secret.html", shown=shown, client=client)
    # Never kept by the browser or a proxy: the page holds a credential.
    return body, 200, {"Cache-Control": "no-store"}


@blueprint.get("/<client_id>/rotate")
@staff_required(PERMISSION)
async def confirm_rotate(client_id: str):
    client = await client_or_404(client_id)
    if client is None:
        return await _not_found()
    return await render_console("console/api_clients/confirm.html", client=client, action="rotate", form_key=_new_form_key())


@blueprint.post("/<client_id>/rotate")
@staff_required(PERMISSION)
async def rotate(client_id: str):
    client = await client_or_404(client_id)
    if client is None:
        return await _not_found()
    if not client.is_active:
        return await render_console("console/api_clients/confirm.html", client=client, action="rotate", form_key=""), 409
    key = (await request.form).get("form_key", "")
    if not FORM_KEY.match(key):
        return redirect(url_for("console.api_clients.confirm_rotate", client_id=client.client_id), 303)
    if await _claim(key):
        secret = await rotate_secret(client)
        await record("api_client.rotated", actor_type="staff", actor=g.staff.email, target=client.client_id, name=client.name)
        await _keep_secret(key, client, secret, "rotated")
    return redirect(url_for("console.api_clients.secret", key=key), 303)


@blueprint.get("/<client_id>/revoke")
@staff_required(PERMISSION)
async def confirm_revoke(client_id: str):
    client = await client_or_404(client_id)
    if client is None:
        return await _not_found()
    return await render_console("console/api_clients/confirm.html", client=client, action="revoke", form_key="")


@blueprint.post("/<client_id>/revoke")
@staff_required(PERMISSION)
async def revoke(client_id: str):
    client = await client_or_404(client_id)
    if client is None:
        return await _not_found()
    if not await revoke_client(client):
        return redirect(url_for("console.api_clients.index", done="already_revoked"))
    await record("api_client.revoked", actor_type="staff", actor=g.staff.email, target=client.client_id, name=client.name)
    return redirect(url_for("console.api_clients.index", done="revoked"))
