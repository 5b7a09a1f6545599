"""Settings > Business (owner only) and each staff member's own language.

The business's default language, time zone and currency, and the languages
its portal offers (``Tenant.portal_settings["languages"]``). The choices and
their checks are :mod:`core.regional`'s, shared with the CLI. The currency
is refused once the business has an invoice. Saving the tenant row makes
every instance reload it (:mod:`core.tenant_state`, through the save signal).

``/console/account`` is where anyone signed in to the console picks the
language the console (and their emails) are written in.
"""

from __future__ import annotations

from quart import Blueprint, g, redirect, request, url_for

from core.audit import record
from core.console.access import staff_required
from core.console.shell import render_console
from core.i18n import LANGUAGE_NAMES, SHIPPED_LANGUAGES, business_language, enabled_languages, gettext as _, lazy_gettext
from core.regional import RegionalError, check_currency, check_language, check_timezone, currencies, has_invoices, locale_with_language, time_zones
from tenants.models import Tenant

blueprint = Blueprint("business", __name__)

NOTICES = {
    "saved": lazy_gettext("Business settings saved."),
}
ACCOUNT_NOTICES = {
    "saved": lazy_gettext("Your language is saved."),
}


async def _page(status: int = 200, errors: dict[str, str] | None = None, form: dict | None = None):
    tenant: Tenant = g.tenant
    form = form or {}
    values = {
        "language": form.get("language", business_language(tenant)),
        "timezone": form.get("timezone", tenant.timezone),
        "currency": form.get("currency", tenant.currency),
        "languages": form.get("languages", list(enabled_languages(tenant))),
    }
    body = await render_console(
        "console/settings/business.html",
        notice={key: str(text) for key, text in NOTICES.items()}.get(request.args.get("done", "")),
        errors=errors or {},
        values=values,
        languages=[(code, LANGUAGE_NAMES[code]) for code in SHIPPED_LANGUAGES],
        time_zones=time_zones(),
        currencies=currencies(),
        currency_locked=await has_invoices(tenant),
    )
    return body, status


@blueprint.get("/settings/business")
@staff_required("business")
async def edit():
    return await _page()


@blueprint.post("/settings/business")
@staff_required("business")
async def save():
    tenant: Tenant = g.tenant
    form = await request.form
    raw = {
        "language": form.get("language", ""),
        "timezone": form.get("timezone", ""),
        "currency": form.get("currency", ""),
        "languages": form.getlist("languages"),
    }
    errors: dict[str, str] = {}
    try:
        language = check_language(raw["language"])
    except RegionalError:
        errors["language"] = _("Choose one of the languages in the list.")
    try:
        zone = check_timezone(raw["timezone"])
    except RegionalError:
        errors["timezone"] = _("Choose a time zone from the list.")
    try:
        currency = check_currency(raw["currency"])
    except RegionalError:
        errors["currency"] = _("Choose a currency from the list.")
    offered = [code for code in raw["languages"] if code in SHIPPED_LANGUAGES]
    if len(offered) != len(raw["languages"]):
        errors["languages"] = _("Choose the portal's languages from the list.")
    if not errors and currency != tenant.currency and await has_invoices(tenant):
        errors["currency"] = _(
            "The currency cannot change: this business has invoices in %(currency)s.", currency=tenant.currency
        )
    if errors:
        return await _page(400, errors, raw)
    if language not in offered:
        offered.append(language)  # the default language is always offered
    offered = [code for code in SHIPPED_LANGUAGES if code in offered]
    before = {"locale": tenant.locale, "timezone": tenant.timezone, "currency": tenant.currency,
              "languages": list(enabled_languages(tenant))}
    tenant.locale = locale_with_language(tenant.locale, language)
    tenant.timezone = zone
    tenant.currency = currency
    settings = dict(tenant.portal_settings or {})
    settings["languages"] = offered
    tenant.portal_settings = settings
    await tenant.save(update_fields=["locale", "timezone", "currency", "portal_settings"])
    after = {"locale": tenant.locale, "timezone": zone, "currency": currency, "languages": offered}
    await record(
        "settings.business_saved", actor_type="staff", actor=g.staff.email,
        changed={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return redirect(url_for("console.business.edit", done="saved"))


@blueprint.get("/account")
@staff_required("console")
async def account():
    notice = ACCOUNT_NOTICES.get(request.args.get("done", ""))
    return await _account_page(notice=str(notice) if notice else None)


async def _account_page(notice: str | None = None, error: str | None = None) -> str:
    """The staff member's own page: their language, or the business's when they chose none."""
    return await render_console(
        "console/account.html",
        notice=notice,
        languages=[(code, LANGUAGE_NAMES[code]) for code in SHIPPED_LANGUAGES],
        business_language=LANGUAGE_NAMES[business_language(g.tenant)],
        error=error,
    )


@blueprint.post("/account/language")
@staff_required("console")
async def save_language():
    """The signed-in staff member's own language; empty follows the business's."""
    code = (await request.form).get("language", "")
    if code and code not in SHIPPED_LANGUAGES:
        return await _account_page(error=_("Choose one of the languages in the list.")), 400
    staff = g.staff
    staff.language = code or None
    await staff.save(update_fields=["language"])
    await record("staff.language_changed", actor_type="staff", actor=staff.email, language=code or "")
    return redirect(url_for("console.business.account", done="saved"))
