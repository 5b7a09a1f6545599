"""Settings > Branding (S8): name, logo, colour and the contact details of "Contact us".

The logo is checked by its bytes, not its name or declared type: Pillow must
read it as a PNG or JPEG of sensible size. It is stored through the
tenant's storage and served by the portal at ``/logo``.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError
from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.branding import HEX, darken_until_readable
from core.console.access import staff_required
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.mail.addresses import clean_address, header_text
from core.mail.errors import MailError
from core.services import current_services
from core.storage import StorageError
from tenants.models import Tenant

blueprint = Blueprint("branding", __name__, url_prefix="/settings/branding")

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4096
LOGO_FORMATS = {"PNG": "logo.png", "JPEG": "logo.jpg"}
# field -> (label, longest value, may span lines)
TEXT_FIELDS = {
    "name": (lazy_gettext("Business name"), 200, False),
    "contact_phone": (lazy_gettext("Phone"), 40, False),
    "contact_email": (lazy_gettext("Email"), 254, False),
    "contact_address": (lazy_gettext("Address"), 500, True),
    "contact_hours": (lazy_gettext("Opening hours"), 200, False),
    "website": (lazy_gettext("Website"), 300, False),
}
NOTICES = {
    "saved": lazy_gettext("Branding saved. The portal and emails use it from now on."),
    "logo": lazy_gettext("Logo uploaded."),
    "logo_removed": lazy_gettext("Logo removed."),
}


async def _page(status: int = 200, errors: dict[str, str] | None = None, form: dict[str, str] | None = None):
    tenant: Tenant = g.tenant
    values = {name: getattr(tenant, name) for name in TEXT_FIELDS} | {"brand_colour": tenant.brand_colour}
    values.update(form or {})
    colour = values["brand_colour"] if HEX.match(values["brand_colour"] or "") else tenant.brand_colour
    body = await render_console(
        "console/settings/branding.html",
        notice=notice(NOTICES),
        errors=errors or {},
        values=values,
        readable_colour=darken_until_readable(colour.lower()),
        logo_max_mb=LOGO_MAX_BYTES // (1024 * 1024),
    )
    return body, status


@blueprint.get("/")
@staff_required("settings")
async def edit():
    return await _page()


def _field_problem(name: str, value: str) -> str | None:
    label, longest, multiline = TEXT_FIELDS[name]
    if len(value) > longest:
        return _("%(field)s: use at most %(max)d characters.", field=label, max=longest)
    try:
        header_text(value.replace("\n", " ") if multiline else value, str(label).lower())
    except MailError:
        if "\n" in value or "\r" in value:
            return _("%(field)s must not contain line breaks.", field=label)
        return _("%(field)s contains control characters.", field=label)
    if name == "name" and not value:
        return _("The business name is required.")
    if name == "contact_email" and value:
        try:
            clean_address(value.lower(), "email address")
        except MailError:
            return _("%(address)s is not an email address.", address=value)
    if name == "website" and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _("The website must start with https:// or http://.")
    return None


@blueprint.post("/")
@staff_required("settings")
async def save():
    form = await request.form
    tenant: Tenant = g.tenant
    values = {name: form.get(name, "").replace("\r\n", "\n").strip() for name in TEXT_FIELDS}
    values["brand_colour"] = form.get("brand_colour", "").strip().lower()
    errors = {name: problem for name in TEXT_FIELDS if (problem := _field_problem(name, values[name]))}
    if not HEX.match(values["brand_colour"]):
        errors["brand_colour"] = _("Use a colour like #0b6e99 (# and six hexadecimal digits).")
    if errors:
        return await _page(400, errors, values)
    for name, value in values.items():
        setattr(tenant, name, value.lower() if name == "contact_email" else value)
    await tenant.save(update_fields=list(values))
    await record("settings.branding_saved", actor_type="staff", actor=g.staff.email)
    return redirect(url_for("console.branding.edit", done="saved"))


def logo_problem(data: bytes) -> tuple[str | None, str]:
    """``(why the upload is refused or None, stored file name)``, judged by the bytes."""
    if not data:
        return _("Choose a PNG or JPEG file."), ""
    if len(data) > LOGO_MAX_BYTES:
        return _("The logo must be at most %(mb)d MB.", mb=LOGO_MAX_BYTES // (1024 * 1024)), ""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return _("This file is not a PNG or JPEG image."), ""
    if kind not in LOGO_FORMATS:
        return _("Use a PNG or JPEG image."), ""
    if max(size) > LOGO_MAX_SIDE:
        return _("The logo must be at most %(px)d pixels wide and high.", px=LOGO_MAX_SIDE), ""
    return None, LOGO_FORMATS[kind]


@blueprint.post("/logo")
@staff_required("settings")
async def upload_logo():
    tenant: Tenant = g.tenant
    upload = (await request.files).get("logo")
    data = upload.read(LOGO_MAX_BYTES + 1) if upload is not None else b""
    problem, filename = logo_problem(data)
    if problem:
        return await _page(400, {"logo": problem})
    storage = current_services().storage
    old = tenant.logo_path
    tenant.logo_path = await storage.save(data, filename)
    await tenant.save(update_fields=["logo_path"])
    await _forget(old)
    await record("settings.logo_uploaded", actor_type="staff", actor=g.staff.email, bytes=len(data))
    return redirect(url_for("console.branding.edit", done="logo"))


@blueprint.post("/logo/remove")
@staff_required("settings")
async def remove_logo():
    tenant: Tenant = g.tenant
    old = tenant.logo_path
    tenant.logo_path = None
    await tenant.save(update_fields=["logo_path"])
    await _forget(old)
    await record("settings.logo_removed", actor_type="staff", actor=g.staff.email)
    return redirect(url_for("console.branding.edit", done="logo_removed"))


async def _forget(key: str | None) -> None:
    if key:
        try:
            await current_services().storage.delete(key)
        except StorageError:
            pass  # a key from before a move of the data folder: nothing to delete
