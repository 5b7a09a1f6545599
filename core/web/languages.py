"""Who reads in which language: the request hook and the portal's language switcher.

:func:`choose_language` runs before every tenant request, after the customer
(``core.auth.current.load_customer``) and, on console pages, the staff member
(``core.console.access.load_staff``) are known, and sets
:func:`core.i18n.set_language`:

* portal: the language saved on the person's :class:`PortalLogin` (chosen
  with the switcher, so it follows them to their next sign-in and to other
  devices), else the visitor's choice kept in the ``ps_lang`` cookie
  (visitors not signed in), else the best match of the browser's
  ``Accept-Language`` among the business's enabled languages, else the
  business's default language (the language part of ``Tenant.locale``).
  Only enabled languages (``portal_settings["languages"]``) are used.
* console: the staff member's own ``StaffUser.language``, else the business's
  default.
* with ``PORCHSIDE_PSEUDO_LANGUAGE`` on, a browser asking for ``xx`` first
  gets the pseudo-language everywhere (:mod:`core.i18n_pseudo`).

A signed-in customer's saved language is read from the database once per
session and kept in the session's data (``"language"``), so pages cost no
extra query; the switcher updates both.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from quart import Blueprint, Quart, g, redirect, request

from core.auth.current import customer_sessions, safe_next
from core.i18n import (
    LANGUAGE_NAMES,
    business_language,
    current_language,
    enabled_languages,
    gettext as _,
    known_language,
    set_language,
)
from core import i18n_pseudo
from core.models.customers import PortalLogin
from core.route_access import public
from core.web.errors import render_error
from core.web.security import is_secure_host

COOKIE = "ps_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
SESSION_KEY = "language"

blueprint = Blueprint("languages", __name__)


def _is_console() -> bool:
    return (request.blueprint or "").startswith("console")


async def _login_language(portal, tenant) -> str | None:
    """The signed-in person's saved language (read once per session, then kept in it)."""
    session = g.get("session")
    if session is None or not getattr(portal, "email", None):
        return None
    if SESSION_KEY in session.data:
        return session.data[SESSION_KEY] or None
    saved = await PortalLogin.filter(email=portal.email).values_list("language", flat=True)
    code = (saved[0] if saved else None) or ""
    # A staff member's read-only view is left as it was made (core.auth.viewing): read each time.
    if g.get("session_id") and not session.data.get("read_only"):
        session.data[SESSION_KEY] = code
        await customer_sessions().save(g.session_id, session)
    return code or None


async def portal_language(tenant, portal) -> str:
    """The language a portal page is written in for this request (see the module's doc)."""
    offered = enabled_languages(tenant)
    saved = await _login_language(portal, tenant)
    if saved in offered:
        return saved
    chosen = request.cookies.get(COOKIE)
    if chosen in offered:
        return chosen
    guessed = request.accept_languages.best_match(offered)
    if guessed in offered:
        return guessed
    return business_language(tenant)


def staff_language(tenant, staff) -> str:
    """A staff member's own language, else the business's default."""
    return known_language(getattr(staff, "language", None)) or business_language(tenant)


async def choose_language() -> None:
    """before_request (app, and again on the console blueprint once the staff member is loaded)."""
    if i18n_pseudo.requested(request.accept_languages):
        set_language(i18n_pseudo.PSEUDO_LANGUAGE)
        return None
    tenant = g.get("tenant")
    if tenant is None:
        set_language(None)
        return None
    if _is_console():
        set_language(staff_language(tenant, g.get("staff")))
    else:
        set_language(await portal_language(tenant, g.get("portal")))
    return None


def language_choices() -> list[tuple[str, str, bool]]:
    """``(code, name in itself, current)`` of each language this business offers."""
    tenant = g.get("tenant")
    now = current_language()
    return [(code, LANGUAGE_NAMES[code], code == now) for code in enabled_languages(tenant)]


def _back(explicit: str | None) -> str:
    """Where the switcher returns: ``next`` if given, else the page it was on
    (the same-origin ``Referer``, which the ``same-origin`` Referrer-Policy
    sends in full); only a local path, else the portal's home."""
    if explicit:
        return safe_next(explicit, "/")
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc.lower() != request.host.lower() or referer.scheme not in ("http", "https"):
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""), "/")


@blueprint.post("/language")
@public
async def switch():
    """The portal's language switcher: saved to the login when signed in, a cookie otherwise."""
    tenant = g.tenant
    form = await request.form
    code = form.get("language", "")
    back = _back(form.get("next"))
    if code not in enabled_languages(tenant):
        return await render_error(400, "unknown_language", _("This language is not offered here. Choose one from the list."))
    portal = g.get("portal")
    session = g.get("session")
    if portal is not None and portal.email and session is not None:
        await PortalLogin.filter(email=portal.email).update(language=code)
        session.data[SESSION_KEY] = code
        await customer_sessions().save(g.session_id, session)
    response = redirect(back)
    # Kept too when signed in: the sign-in page after signing out stays in this language.
    response.set_cookie(
        COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
        secure=is_secure_host(request.host), path="/",
    )
    return response


def install(app: Quart) -> None:
    """The hook (after ``load_customer``), the switcher's route and its template global."""
    app.before_request(choose_language)
    app.register_blueprint(blueprint)
    app.jinja_env.globals["language_choices"] = language_choices
