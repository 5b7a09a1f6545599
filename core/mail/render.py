"""Rendering an email from ``emails/<name>.txt`` and ``emails/<name>.html``.

The subject is the ``{% block subject %}`` of the text template, kept on one
line; the body is the rest of it. Both parts extend their layout
(``emails/layout.txt``, ``emails/layout.html``), which adds the tenant's
branding: name, colour, logo, contact details and a footer. The HTML uses
inline styles only, as mail clients drop style sheets.

Templates render with their own Jinja environment (core's templates plus
the plugins' template folders, the same order as pages), so workers without
a web app render exactly what a request would. Templates get:

* ``tenant`` and ``brand`` (``colour``: the brand colour made readable on
  white, ``on_colour``: text on it);
* ``link(path)``: an absolute URL on the tenant's configured primary host,
  never the request's Host header (:func:`core.links.portal_url`);
* ``portal_home``, ``logo_url`` (or None) and ``recipient``;
* whatever the caller passed in ``context``.

Each email is written in its recipient's language (:func:`recipient_language`):
texts, and money and dates (the recipient's language with the business's
territory, :func:`core.i18n.format_locale`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

from core.branding import DEFAULT, HEX, darken_until_readable
from core.i18n import language as use_language
from core.links import portal_url
from core.mail.errors import MailError
from core.web.rendering import install_filters

if TYPE_CHECKING:
    from core.services import Services
    from tenants.models import Tenant

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ENV_KEY = "mail.templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def mail_templates(services: "Services") -> Environment:
    """The Jinja environment of emails, built once per Services."""
    env = services.extras.get(ENV_KEY)
    if env is None:
        core_loader = FileSystemLoader(str(TEMPLATES))
        plugin_loaders = [FileSystemLoader(d.record) for d in services.plugins.declared.template_dirs]
        env = Environment(
            loader=ChoiceLoader([*plugin_loaders, core_loader, PrefixLoader({"core": core_loader}, delimiter=":")]),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,
            enable_async=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        install_filters(env)
        services.extras[ENV_KEY] = env
    return env


def brand_colours(tenant: "Tenant") -> dict[str, str]:
    colour = tenant.brand_colour if tenant.brand_colour and HEX.match(tenant.brand_colour) else DEFAULT
    return {"colour": darken_until_readable(colour.lower()), "on_colour": "#ffffff"}


async def recipient_language(tenant: "Tenant", recipient: str, *, staff_first: bool = False) -> str:
    """The language an email to ``recipient`` is written in.

    A staff member's own language (``StaffUser.language``), a customer's
    portal language (``PortalLogin.language``, if the portal still offers it),
    else the business's default. ``staff_first`` for the console's emails: an
    address that is both a colleague and a customer reads them as staff.
    """
    from core.i18n import business_language, enabled_languages, known_language
    from core.models.customers import PortalLogin
    from core.models.staff import StaffUser
    from tenants.context import use_tenant

    address = (recipient or "").strip().lower()
    if address:
        with use_tenant(tenant):
            staff = await StaffUser.filter(email=address).values_list("language", flat=True)
            login = await PortalLogin.filter(email=address).values_list("language", flat=True)
        as_staff = known_language(staff[0]) if staff else None
        as_customer = login[0] if login and login[0] in enabled_languages(tenant) else None
        found = (as_staff or as_customer) if staff_first else (as_customer or as_staff)
        if found:
            return found
    return business_language(tenant)


async def render_email(
    services: "Services", tenant: "Tenant", template: str, context: dict[str, Any], recipient: str,
    *, language: str | None = None,
) -> RenderedEmail:
    """Render the subject, text and HTML of ``template`` for ``tenant``, in the
    recipient's language (:func:`recipient_language`) unless ``language`` is given.

    :raises MailError: the template has no subject block.
    """
    if language is None:
        language = await recipient_language(tenant, recipient, staff_first=template.startswith("console/"))
    with use_language(language):
        return await _render(services, tenant, template, context, recipient)


async def _render(services: "Services", tenant: "Tenant", template: str, context: dict[str, Any], recipient: str) -> RenderedEmail:
    env = mail_templates(services)
    text_template = env.get_template(f"emails/{template}.txt")
    html_template = env.get_template(f"emails/{template}.html")

    async def link(path: str = "/") -> str:
        return await portal_url(services, tenant, path)

    values = {
        **context,
        "tenant": tenant,
        "brand": brand_colours(tenant),
        "link": link,
        "portal_home": await link("/"),
        "logo_url": await link("/logo") if tenant.logo_path else None,
        "recipient": recipient,
    }
    subject_block = text_template.blocks.get("subject")
    if subject_block is None:
        raise MailError(f"emails/{template}.txt has no {{% block subject %}}")
    subject = "".join([part async for part in subject_block(text_template.new_context(values))]).strip()
    return RenderedEmail(
        subject=subject,
        text=(await text_template.render_async(values)).strip() + "\n",
        html=await html_template.render_async(values),
    )
