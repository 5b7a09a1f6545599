"""Core portal pages."""

from __future__ import annotations

from quart import Blueprint, render_template

from core.auth.current import login_required
from core.portal.access import invoice_link
from core.portal.context import current_portal
from core.portal.formats import quantity_filter, when_filter
from core.portal.home import build_home
from core.portal.navigation import header_links, nav_items

blueprint = Blueprint("portal", __name__)
# Every portal page may use them; this blueprint is always registered.
blueprint.add_app_template_filter(when_filter, "when")
blueprint.add_app_template_filter(quantity_filter, "quantity")


async def render_portal(template: str, **context):
    """Render a portal page with navigation, header links and account switcher.

    Signed-out visitors see no tabs: every tab leads to a signed-in page.
    """
    portal = current_portal()
    return await render_template(
        template,
        portal=portal,
        nav=await nav_items(portal) if portal.signed_in else [],
        header_links=await header_links(portal),
        my_accounts=portal.accounts,  # loaded with the session (core.auth.current)
        **context,
    )


@blueprint.get("/")
@login_required
async def home():
    from core.portal.invoices import STATUS_LABELS

    home = await build_home(current_portal())
    return await render_portal(
        "portal/home.html",
        home=home,
        invoice_url=invoice_link,
        invoice_status_labels=STATUS_LABELS,
    )


@blueprint.get("/contact")
async def contact():
    return await render_portal("portal/contact.html")


@blueprint.get("/brand.css")
async def brand_css():
    """The tenant's colour as CSS variables (no inline styles under our CSP)."""
    from quart import Response, g

    from core.branding import brand_stylesheet

    response = Response(brand_stylesheet(g.tenant.brand_colour), content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@blueprint.get("/favicon.ico")
async def favicon():
    """The business's logo as the browser tab's icon, else Porchside's default.

    Browsers ask for /favicon.ico on their own; answering it (and the
    ``<link rel="icon">`` of every page) keeps a 404 out of the console.
    """
    from quart import g, redirect, url_for

    if g.tenant.logo_path:
        return await logo()
    return redirect(url_for("static", filename="favicon.svg"))


@blueprint.get("/logo")
async def logo():
    from quart import Response, abort, g

    from core.services import current_services
    from core.storage import StorageError

    if not g.tenant.logo_path:
        abort(404)
    try:
        data = await current_services().storage.read(g.tenant.logo_path)
    except StorageError:
        abort(404)
    kind = "image/png" if g.tenant.logo_path.endswith(".png") else "image/jpeg"
    response = Response(data, content_type=kind)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# The "portal is off" page wears the business's brand, so these stay served
# while the portal is switched off (core/app.py reads the rule's flag).
OPEN_WHILE_PORTAL_OFF = ("brand_css", "logo", "favicon")


@blueprint.record
def _brand_open_while_portal_off(state) -> None:
    names = {f"{state.blueprint.name}.{name}" for name in OPEN_WHILE_PORTAL_OFF}
    for rule in state.app.url_map.iter_rules():
        if rule.endpoint in names:
            rule.host_open_when_portal_off = True
