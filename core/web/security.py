"""Security headers and CSRF protection for every form.

CSRF uses a signed double-submit token: a random, host-only, HttpOnly
cookie, and in each form an HMAC of that cookie bound to the host. A POST
without a matching token is refused with 403 before any handler runs.
Views that authenticate otherwise (API keys, signed webhooks) opt out with
:func:`csrf_exempt`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Callable

from quart import Quart, Response, current_app, g, request

CSRF_COOKIE = "ps_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_exempt(view: Callable) -> Callable:
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def is_secure_host(host: str) -> bool:
    """Cookies are Secure everywhere but on localhost, where demos run over http."""
    name = host.split(":", 1)[0]
    return not (name == "localhost" or name.endswith(".localhost") or name == "127.0.0.1")


def _sign(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"csrf|{request.host.lower()}|{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The token to put in a form (``{{ csrf_token() }}`` in templates)."""
    cookie = g.get("csrf_cookie") or request.cookies.get(CSRF_COOKIE)
    if not cookie or len(cookie) < 20:
        cookie = secrets.token_urlsafe(32)
        g.csrf_cookie_new = True
    g.csrf_cookie = cookie
    # A page has several forms (sign out, account switcher, language): sign once per cookie.
    signed = g.get("csrf_signed")
    if signed is None or signed[0] != cookie:
        signed = g.csrf_signed = (cookie, _sign(cookie))
    return signed[1]


def rotate_csrf() -> None:
    """Issue a new CSRF cookie (at sign-in, so a planted token stops working)."""
    g.csrf_cookie = secrets.token_urlsafe(32)
    g.csrf_cookie_new = True


def content_security_policy() -> str:
    extra_script = " ".join(sorted(g.get("csp_script_src", set())))
    extra_frame = " ".join(sorted(g.get("csp_frame_src", set())))
    extra_connect = " ".join(sorted(g.get("csp_connect_src", set())))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {extra_script}".strip(),
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {extra_connect}".strip(),
            f"frame-src 'self' {extra_frame}".strip(),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def allow_external(script: str | None = None, frame: str | None = None, connect: str | None = None) -> None:
    """Let this response load a script, frame or connection from another origin."""
    for attr, value in (("csp_script_src", script), ("csp_frame_src", frame), ("csp_connect_src", connect)):
        if value:
            g.setdefault(attr, set()).add(value)


def install(app: Quart) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["csrf_field"] = CSRF_FIELD

    @app.before_request
    async def _check_csrf():
        if request.method in SAFE_METHODS:
            return None
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "csrf_exempt", False):
            return None
        # Paths that authenticate by bearer token only (the API), matched or not,
        # so a wrong method or unknown path there answers 404/405, not csrf_failed.
        if request.path.startswith(tuple(app.config.get("CSRF_EXEMPT_PREFIXES", ()))):
            return None
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form
            sent = form.get(CSRF_FIELD, "")
        if not cookie or not sent or not hmac.compare_digest(_sign(cookie), sent):
            from core.i18n import lazy_gettext
            from core.web.errors import render_error

            return await render_error(403, "csrf_failed", lazy_gettext("This form has expired. Go back, reload the page and try again."))
        return None

    @app.after_request
    async def _headers(response: Response) -> Response:
        if g.get("csrf_cookie_new"):
            response.set_cookie(
                CSRF_COOKIE,
                g.csrf_cookie,
                httponly=True,
                samesite="Lax",
                secure=is_secure_host(request.host),
                path="/",
            )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if is_secure_host(request.host):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.content_type and response.content_type.startswith("text/html"):
            headers.setdefault("Cache-Control", "no-store")
        return response
