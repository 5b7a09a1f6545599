"""Staff sign-in: password, sign-out, password reset and accepting an invitation (S1).

The same rules as customers' password sign-in: argon2id hashes, wrong
address and wrong password answer alike, attempts are rate limited per
client address and per email, every form carries a CSRF token, and a new
session id (and CSRF cookie) is issued at sign-in. Setting a password from a
reset or invitation link ends the person's other sessions.
"""

from __future__ import annotations

from quart import Blueprint, g, redirect, request, url_for

from core.audit import client_ip, record
from core.auth import tokens
from core.auth.passwords import hash_password, password_problem, verify_password
from core.auth.rate_limit import hit
from core.console.access import (
    console_next,
    end_all_sessions_of,
    end_staff_session,
    public,
    start_staff_session,
)
from core.console.shell import render_console
from core.console.staff_links import request_reset
from core.i18n import gettext as _
from core.models.customers import normalise_email
from core.models.staff import StaffUser
from core.services import current_services

blueprint = Blueprint("auth", __name__)

# token purpose -> what the set-password page is for
PASSWORD_PAGES = {"staff_invite": "invite", "staff_reset": "reset"}


def _rate_key(email: str) -> str:
    # Staff and customer attempts for one address are counted apart.
    return f"staff:{email}"


async def _within_limits(*checks: tuple[str, str]) -> bool:
    services = current_services()
    for name, identifier in checks:
        if not await hit(services.cache, services.settings, name, identifier):
            return False
    return True


async def _rate_limited():
    return await render_console("console/auth/rate_limited.html"), 429


@blueprint.get("/sign-in")
@public
async def sign_in():
    if g.get("staff") is not None:
        return redirect(console_next(request.args.get("next")))
    return await render_console("console/auth/sign_in.html", email="", next=request.args.get("next", ""), error=None)


@blueprint.post("/sign-in")
@public
async def password_sign_in():
    form = await request.form
    email = normalise_email(form.get("email", ""))
    password = form.get("password", "")
    next_path = form.get("next", "")
    if not await _within_limits(("signin_per_ip", client_ip()), ("password_per_email", _rate_key(email))):
        await record("staff.password_rate_limited", actor_type="staff", actor=email)
        return await _rate_limited()
    staff = await StaffUser.get_or_none(email=email, active=True) if email else None
    # Checked even for an unknown address, so both answers take as long.
    if not await verify_password(staff.password_hash if staff else None, password) or staff is None:
        await record("staff.sign_in_failed", actor_type="staff", actor=email)
        error = _("That email and password do not match. Try again, or use “Forgot password”.")
        return await render_console("console/auth/sign_in.html", email=email, next=next_path, error=error), 400
    await start_staff_session(staff, method="password")
    return redirect(console_next(next_path))


@blueprint.post("/sign-out")
@public
async def sign_out():
    await end_staff_session()
    return redirect(url_for("console.auth.sign_in"))


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@public
async def forgot_password():
    if request.method == "GET":
        return await render_console("console/auth/forgot.html", email="", sent=False, error=None)
    email = normalise_email((await request.form).get("email", ""))
    if "@" not in email or len(email) > 254:
        return await render_console("console/auth/forgot.html", email=email, sent=False, error=_("Enter your work email address.")), 400
    if not await _within_limits(("signin_per_ip", client_ip()), ("link_per_email", _rate_key(email))):
        return await _rate_limited()
    await request_reset(email, ip=client_ip())
    return await render_console("console/auth/forgot.html", email=email, sent=True, error=None)


@blueprint.route("/accept-invite/<token>", methods=["GET", "POST"], defaults={"purpose": "staff_invite"}, endpoint="accept_invite")
@blueprint.route("/reset-password/<token>", methods=["GET", "POST"], defaults={"purpose": "staff_reset"}, endpoint="reset_password")
@public
async def set_password(token: str, purpose: str):
    """Both links end with a new password and a fresh session.

    Opening the page consumes nothing (an email scanner may fetch it); only
    the form's POST uses the token, once.
    """
    page = PASSWORD_PAGES[purpose]
    state, row = await tokens.inspect(token, (purpose,))
    staff = await StaffUser.get_or_none(email=row.email, active=True) if row is not None else None
    if state != "valid" or row is None or staff is None:
        state = "revoked" if state == "valid" else state
        return await render_console("console/auth/link_problem.html", state=state, page=page), 404 if state == "unknown" else 410
    if purpose == "staff_invite" and staff.password_hash:
        # An invitation never overwrites a password its owner already chose.
        return await render_console("console/auth/already_joined.html", staff_member=staff), 200 if request.method == "GET" else 409
    if request.method == "GET":
        return await render_console("console/auth/set_password.html", page=page, staff_member=staff, error=None)
    form = await request.form
    password = form.get("password", "")
    problem = password_problem(password, staff.email)
    if problem is None and password != form.get("confirm", ""):
        problem = _("The two passwords are different.")
    if problem:
        return await render_console("console/auth/set_password.html", page=page, staff_member=staff, error=problem), 400
    state, row = await tokens.consume(token, (purpose,))
    if state != "valid":
        return await render_console("console/auth/link_problem.html", state=state, page=page), 410
    staff.password_hash = await hash_password(password)
    await staff.save(update_fields=["password_hash"])
    await record("staff.password_set", actor_type="staff", actor=staff.email, via=page)
    await end_all_sessions_of(staff)
    await start_staff_session(staff, method=page)
    return redirect(url_for("console.home.index"))
