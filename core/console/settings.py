"""Settings > Customer portal (S2, S3): on/off, web address, custom domains,
sign-in methods, link lifetimes, the "Included in portal" switches and
whether staff (not only owners and admins) may view the portal as a customer.

Each card of the page is its own form with its own permission: switching the
portal and changing its addresses are the owner's (they break or move every
customer's bookmarks); the rest needs ``settings``. Sections are stored in
``Tenant.portal_settings["sections"]``; a switched-off section loses its tab
and its routes answer 404 (``core/app.py``). Besides the core sections, each
enabled plugin's portal tabs are a section of their own (the tab's
``section``, or the plugin's name).
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.console.access import staff_required
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.links import portal_url
from core.plugin_state import declared_text
from core.plugins import CORE
from core.services import current_services
from tenants.domain_verification import record_name, record_value
from tenants.models import PORTAL_SECTIONS, SIGN_IN_METHODS, Domain, Tenant
from tenants.service import (
    CLAIM_DAYS,
    TenantError,
    change_slug,
    claim_custom_domain,
    claim_expires_at,
    pending_claims,
    remove_custom_domain,
    verify_custom_domain,
)

blueprint = Blueprint("settings", __name__, url_prefix="/settings")

SECTION_LABELS = {
    "work_history": (lazy_gettext("Work history"), lazy_gettext("Upcoming and past jobs, and each job's page.")),
    "service_history": (
        lazy_gettext("Service history"), lazy_gettext("Completed visits with the technician's notes and photos."),
    ),
    "invoices": (lazy_gettext("Invoices"), lazy_gettext("Open, overdue and paid invoices, as PDF too.")),
    "payments": (lazy_gettext("Payments"), lazy_gettext("Payments received and paid invoices.")),
    "statement": (
        lazy_gettext("Billing statement"), lazy_gettext("All invoices and payments of a period, with a running balance."),
    ),
    "documents": (
        lazy_gettext("Notes and attachments"), lazy_gettext("Only what staff marked “Share this with the customer”."),
    ),
}
METHOD_LABELS = {
    "link": lazy_gettext("Email sign-in link only"),
    "password": lazy_gettext("Password only"),
    "both": lazy_gettext("Sign-in link or password"),
}
MAGIC_MINUTES = (5, 120)
DEEP_DAYS = (1, 30)
NOTICES = {
    "saved": lazy_gettext("Portal settings saved."),
    "on": lazy_gettext("The portal is on: customers can sign in."),
    "off": lazy_gettext("The portal is off: customers see a “not available” page."),
    "address": lazy_gettext("The portal has a new web address. The old one sends visitors here for 90 days."),
    "domain_claimed": lazy_gettext("Domain added. Publish the TXT record shown below, then press “Verify”."),
    "domain_verified": lazy_gettext("Domain verified: the portal answers on it once its CNAME points here."),
    "domain_removed": lazy_gettext("Domain removed."),
}


@dataclass(frozen=True)
class SectionChoice:
    key: str
    label: str
    hint: str


def section_choices() -> list[SectionChoice]:
    """The core sections, then one per section of the enabled plugins' tabs."""
    host = current_services().plugins
    choices = [SectionChoice(key, *SECTION_LABELS[key]) for key in PORTAL_SECTIONS]
    seen = set(PORTAL_SECTIONS)
    for item in host.declared.nav_tabs:
        if item.plugin != CORE and item.plugin not in g.enabled_plugins:
            continue
        key = item.record.section or (None if item.plugin == CORE else item.plugin)
        if key is None or key in seen:
            continue
        seen.add(key)
        label = declared_text(item.record.label)
        if item.plugin == CORE:
            hint = _("The “%(tab)s” tab, from core.", tab=label)
        else:
            hint = _(
                "The “%(tab)s” tab, from the %(plugin)s plugin.",
                tab=label, plugin=declared_text(host.declared.info[item.plugin].label),
            )
        choices.append(SectionChoice(key, label, hint))
    return choices


async def _page(status: int = 200, errors: dict[str, str] | None = None, form: dict[str, str] | None = None):
    tenant: Tenant = g.tenant
    services = current_services()
    domains = await Domain.filter(tenant_id=tenant.id, kind="custom").order_by("host")
    body = await render_console(
        "console/settings/portal.html",
        notice=notice(NOTICES),
        errors=errors or {},
        form=form or {},
        portal_address=await portal_url(services, tenant, "/"),
        base_domain=services.settings.base_domain,
        subdomain_host=f"{tenant.slug}.{services.settings.base_domain}",
        domains=domains,
        claims=[
            {
                "host": claim.host,
                "record_name": record_name(claim.host),
                "record_value": record_value(claim.token),
                "expires_at": claim_expires_at(claim),
                "make_primary": claim.make_primary,
            }
            for claim in await pending_claims(tenant)
        ],
        claim_days=CLAIM_DAYS,
        sections=section_choices(),
        methods=[(value, METHOD_LABELS[value]) for value in SIGN_IN_METHODS],
        magic_range=MAGIC_MINUTES,
        deep_range=DEEP_DAYS,
    )
    return body, status


def _done(key: str):
    return redirect(url_for("console.settings.portal", done=key))


@blueprint.get("/portal")
@staff_required("settings")
async def portal():
    return await _page()


def _whole_number(raw: str, label: str, bounds: tuple[int, int]) -> tuple[int | None, str | None]:
    """The number typed, or the sentence saying why not (``label`` names the field, translated)."""
    low, high = bounds
    try:
        value = int((raw or "").strip())
    except ValueError:
        return None, _("%(field)s must be a whole number.", field=label)
    if not low <= value <= high:
        return None, _("%(field)s must be between %(low)d and %(high)d.", field=label, low=low, high=high)
    return value, None


@blueprint.post("/portal")
@staff_required("settings")
async def save_portal():
    """Sign-in methods, link lifetimes and the "Included in portal" switches."""
    form = await request.form
    tenant: Tenant = g.tenant
    errors: dict[str, str] = {}
    method = form.get("sign_in_methods", "")
    if method not in SIGN_IN_METHODS:
        errors["sign_in_methods"] = _("Choose how customers sign in.")
    minutes, problem = _whole_number(form.get("magic_link_minutes", ""), _("The sign-in link lifetime"), MAGIC_MINUTES)
    if problem:
        errors["magic_link_minutes"] = problem
    days, problem = _whole_number(form.get("deep_link_days", ""), _("The document link lifetime"), DEEP_DAYS)
    if problem:
        errors["deep_link_days"] = problem
    if errors:
        return await _page(400, errors, dict(form))
    settings = dict(tenant.portal_settings or {})
    # Keep the switches of plugins that are off now: they are not on the form.
    sections = dict(tenant.portal_setting("sections"))
    for choice in section_choices():
        sections[choice.key] = form.get(f"section_{choice.key}") == "on"
    staff_may_view_as = form.get("staff_may_view_as") == "on"
    settings.update(
        sign_in_methods=method, magic_link_minutes=minutes, deep_link_days=days, sections=sections,
        staff_may_view_as=staff_may_view_as,
    )
    tenant.portal_settings = settings
    await tenant.save(update_fields=["portal_settings"])
    hidden = sorted(key for key, shown in sections.items() if not shown)
    await record(
        "settings.portal_saved", actor_type="staff", actor=g.staff.email,
        sign_in_methods=method, magic_link_minutes=minutes, deep_link_days=days, hidden_sections=hidden,
        staff_may_view_as=staff_may_view_as,
    )
    return _done("saved")


@blueprint.post("/portal/switch")
@staff_required("portal_switch")
async def switch():
    tenant: Tenant = g.tenant
    turn_on = (await request.form).get("enabled") == "on"
    tenant.portal_enabled = turn_on
    await tenant.save(update_fields=["portal_enabled"])
    await record("settings.portal_on" if turn_on else "settings.portal_off", actor_type="staff", actor=g.staff.email)
    return _done("on" if turn_on else "off")


@blueprint.post("/portal/address")
@staff_required("portal_address")
async def change_address():
    """A new subdomain; the old one redirects for 90 days. Answers a page that links to the new one."""
    tenant: Tenant = g.tenant
    services = current_services()
    slug = (await request.form).get("slug", "").strip().lower()
    old = tenant.slug
    if slug == old:
        return _done("saved")
    try:
        await change_slug(tenant, slug, services.resolver)
    except TenantError as exc:
        return await _page(400, {"slug": str(exc)}, {"slug": slug})
    await record("settings.address_changed", actor_type="staff", actor=g.staff.email, old=old, new=slug)
    # A page on this (old) host, not a redirect: the Content-Security-Policy's
    # form-action 'self' stops a browser from following a form's redirect to
    # another host, which left the owner on the old page with no sign that
    # anything changed. A plain link may cross hosts. It leads to the console
    # sign-in of the new address because the staff cookie is host-only.
    settings = services.settings
    suffix = f".{settings.base_domain}:{settings.public_port}" if settings.public_port else f".{settings.base_domain}"
    back_here = url_for("console.settings.portal", done="address")
    sign_in_url = f"{settings.public_scheme}://{slug}{suffix}{url_for('console.auth.sign_in', next=back_here)}"
    return await render_console(
        "console/settings/address_moved.html",
        old_host=old + suffix, new_host=slug + suffix, sign_in_url=sign_in_url,
    )


@blueprint.post("/portal/domains")
@staff_required("portal_address")
async def add_domain():
    """Claim a custom domain: it serves the portal only after "Verify" finds its TXT record."""
    tenant: Tenant = g.tenant
    form = await request.form
    host = form.get("host", "").strip()
    try:
        claim = await claim_custom_domain(tenant, host, current_services().resolver, primary=form.get("primary") == "on")
    except TenantError as exc:
        return await _page(400, {"host": str(exc)}, {"host": host})
    await record("settings.domain_claimed", actor_type="staff", actor=g.staff.email, host=claim.host, primary=claim.make_primary)
    return _done("domain_claimed")


@blueprint.post("/portal/domains/verify")
@staff_required("portal_address")
async def verify_domain():
    """Look up the claim's TXT record now; found, the domain serves the portal."""
    tenant: Tenant = g.tenant
    services = current_services()
    host = (await request.form).get("host", "")
    try:
        domain = await verify_custom_domain(tenant, host, services.resolver, services.domain_verifier)
    except TenantError as exc:
        return await _page(400, {"verify": str(exc)}, {"verify_host": host})
    await record("settings.domain_verified", actor_type="staff", actor=g.staff.email, host=domain.host, primary=domain.is_primary)
    return _done("domain_verified")


@blueprint.post("/portal/domains/remove")
@staff_required("portal_address")
async def remove_domain():
    tenant: Tenant = g.tenant
    host = (await request.form).get("host", "")
    try:
        await remove_custom_domain(tenant, host, current_services().resolver)
    except TenantError as exc:
        return await _page(400, {"domains": str(exc)})
    await record("settings.domain_removed", actor_type="staff", actor=g.staff.email, host=host)
    return _done("domain_removed")
