"""Customer sign-in pages: links, passwords, invites, account picker, security.

Every answer that could reveal whether an address has an account is the same
for known and unknown addresses: link and reset requests only enqueue a
background task, which does the lookup and sends mail if there is anything
to send.
"""

from __future__ import annotations

from quart import Blueprint, g, redirect, request, url_for

from core.audit import client_ip, record
from core.auth import links, tokens
from core.auth.accounts import accounts_for_email
from core.auth.current import (
    customer_sessions,
    person_required,
    safe_next,
    select_account,
    sign_in as start_session,
    sign_out as end_session,
)
from core.auth.passwords import hash_password, password_problem, verify_password
from core.auth.user_agents import describe_user_agent
from core.auth.rate_limit import hit
from core.i18n import gettext
from core.models.customers import CustomerAccount, PortalLogin, normalise_email
from core.services import current_services

blueprint = Blueprint("auth", __name__)

LINK_PURPOSES = ("magic", "deep")


def _methods() -> str:
    return g.tenant.portal_setting("sign_in_methods")


def _allows(method: str) -> bool:
    return _methods() in (method, "both")


def _valid_email(value: str) -> bool:
    value = value.strip()
    return 3 <= len(value) <= 254 and "@" in value and " " not in value and "\n" not in value


async def _page(template: str, status: int = 200, **context):
    from core.portal.views import render_portal

    body = await render_portal(template, **context)
    return body, status


async def _rate_limited():
    return await _page("auth/rate_limited.html", status=429)


@blueprint.get("/sign-in")
async def sign_in():
    if g.portal.email and g.portal.account:
        return redirect(safe_next(request.args.get("next")))
    return await _page(
        "auth/sign_in.html",
        next=safe_next(request.args.get("next"), ""),
        allow_link=_allows("link"),
        allow_password=_allows("password"),
        email="",
        errors={},
    )


@blueprint.post("/sign-in/link")
async def request_link():
    if not _allows("link"):
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("Sign-in links are not offered here."))
    form = await request.form
    email = normalise_email(form.get("email", ""))
    next_path = safe_next(form.get("next"), "")
    if not _valid_email(email):
        return await _page(
            "auth/sign_in.html", status=400, next=next_path, allow_link=True,
            allow_password=_allows("password"), email=email,
            errors={"link_email": gettext("Enter the email address you use with us.")},
        )
    services = current_services()
    if not await hit(services.cache, services.settings, "signin_per_ip", client_ip()) or not await hit(
        services.cache, services.settings, "link_per_email", email
    ):
        await record("customer.link_rate_limited", actor_type="customer", actor=email)
        return await _rate_limited()
    await links.request_by_email("magic", email, ip=client_ip(), target=next_path)
    return await _page("auth/link_sent.html", email=email)


@blueprint.post("/sign-in/password")
async def password_sign_in():
    if not _allows("password"):
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("Password sign-in is not offered here."))
    form = await request.form
    email = normalise_email(form.get("email", ""))
    password = form.get("password", "")
    next_path = safe_next(form.get("next"), "")
    services = current_services()
    if not await hit(services.cache, services.settings, "signin_per_ip", client_ip()) or not await hit(
        services.cache, services.settings, "password_per_email", email
    ):
        await record("customer.password_rate_limited", actor_type="customer", actor=email)
        return await _rate_limited()
    login = await PortalLogin.get_or_none(email=email) if _valid_email(email) else None
    ok = await verify_password(login.password_hash if login else None, password)
    if ok and not await accounts_for_email(email):
        ok = False  # the address was removed from every account
    if not ok:
        await record("customer.sign_in_failed", actor_type="customer", actor=email, method="password")
        return await _page(
            "auth/sign_in.html", status=400, next=next_path, allow_link=_allows("link"),
            allow_password=True, email=email,
            errors={"password": gettext("That email and password do not match. Try again, or use “Forgot password”.")},
        )
    await start_session(email, remember=form.get("remember") == "on", method="password")
    return redirect(next_path or url_for("portal.home"))


@blueprint.get("/sign-in/link/<token>")
async def open_link(token: str):
    state, row = await tokens.inspect(token, LINK_PURPOSES)
    if state == "valid" and row is not None and g.portal.email == row.email:
        # Already signed in as this person: go straight to the document.
        return await _land(row)
    if state != "valid":
        return await _page("auth/link_problem.html", status=410 if state != "unknown" else 404, state=state, token=token if state == "expired" else None)
    return await _page("auth/continue.html", token=token, deep=row.purpose == "deep")


@blueprint.post("/sign-in/link/<token>")
async def use_link(token: str):
    form = await request.form
    state, row = await tokens.consume(token, LINK_PURPOSES)
    if state != "valid" or row is None:
        await record("customer.link_refused", actor_type="customer", actor=row.email if row else "", state=state)
        return await _page("auth/link_problem.html", status=410 if state != "unknown" else 404, state=state, token=token if state == "expired" else None)
    account = None
    if row.account_id:
        account = await CustomerAccount.get_or_none(id=row.account_id, archived=False)
    if not await accounts_for_email(row.email):
        return await _page("auth/link_problem.html", status=410, state="revoked", token=None)
    await start_session(row.email, remember=form.get("remember") == "on", method=row.purpose, account=account)
    return await _land(row)


async def _land(row) -> object:
    if row.account_id:
        account = await CustomerAccount.get_or_none(id=row.account_id, archived=False)
        if account is not None and account.id in {a.id for a in await accounts_for_email(row.email)}:
            await select_account(account)
    target = safe_next(row.target, "")
    if target:
        return redirect(target)
    return redirect(url_for("portal.home"))


@blueprint.post("/sign-in/link/<token>/renew")
async def renew_link(token: str):
    """An expired link can ask for a fresh one, sent to the same address."""
    state, row = await tokens.inspect(token, LINK_PURPOSES)
    services = current_services()
    if state == "expired" and row is not None:
        if not await hit(services.cache, services.settings, "link_per_email", row.email):
            return await _rate_limited()
        await links.request_by_email(row.purpose, row.email, ip=client_ip(), target=row.target, account_id=row.account_id)
    return await _page("auth/link_sent.html", email=None)


@blueprint.get("/accounts")
@person_required
async def choose_account():
    accounts = g.portal.accounts  # loaded with the session
    if len(accounts) == 1 and g.portal.account is None:
        await select_account(accounts[0])
        return redirect(safe_next(request.args.get("next")))
    return await _page("auth/choose_account.html", accounts=accounts, next=safe_next(request.args.get("next"), ""))


@blueprint.post("/accounts")
@person_required
async def pick_account():
    form = await request.form
    wanted = form.get("account", "")
    account = next((a for a in g.portal.accounts if a.public_id == wanted), None)
    if account is None:
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("That account is not available to you."))
    await select_account(account)
    await record("customer.switch_account", actor_type="customer", actor=g.portal.email, target=account.public_id)
    return redirect(safe_next(form.get("next")) if form.get("next") else url_for("portal.home"))


@blueprint.route("/forgot-password", methods=["GET", "POST"])
async def forgot_password():
    if not _allows("password"):
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("Passwords are not used here."))
    if request.method == "GET":
        return await _page("auth/forgot.html", email="", errors={})
    form = await request.form
    email = normalise_email(form.get("email", ""))
    if not _valid_email(email):
        return await _page("auth/forgot.html", status=400, email=email, errors={"email": gettext("Enter the email address you use with us.")})
    services = current_services()
    if not await hit(services.cache, services.settings, "signin_per_ip", client_ip()) or not await hit(
        services.cache, services.settings, "link_per_email", email
    ):
        return await _rate_limited()
    await links.request_by_email("reset", email, ip=client_ip())
    return await _page("auth/link_sent.html", email=email, reset=True)


@blueprint.route("/create-login/<token>", methods=["GET", "POST"], defaults={"purpose": "invite"}, endpoint="create_login")
@blueprint.route("/reset-password/<token>", methods=["GET", "POST"], defaults={"purpose": "reset"}, endpoint="reset_password")
async def set_password(token: str, purpose: str):
    """Invite ("Create login") and reset both end with a new password and a session.

    An invite for an address that already has a password changes nothing
    (no new password, no session ended): it says so and offers sign-in or a
    reset. Only the reset link, which the person asked for, replaces a password.
    """
    state, row = await tokens.inspect(token, (purpose,))
    if state != "valid" or row is None:
        return await _link_problem(state, purpose)
    if purpose == "invite" and await _has_password(row.email):
        return await _page("auth/already_have_login.html", status=200 if request.method == "GET" else 409, email=row.email)
    if request.method == "GET":
        return await _page("auth/set_password.html", purpose=purpose, email=row.email, errors={})
    form = await request.form
    password, confirm = form.get("password", ""), form.get("confirm", "")
    problem = password_problem(password, row.email)
    if problem is None and password != confirm:
        problem = gettext("The two passwords are different.")
    if problem:
        return await _page("auth/set_password.html", status=400, purpose=purpose, email=row.email, errors={"password": problem})
    state, row = await tokens.consume(token, (purpose,))
    if state != "valid" or row is None:
        return await _link_problem(state, purpose)
    from datetime import datetime, timezone

    login, _ = await PortalLogin.get_or_create(email=row.email)
    login.password_hash = await hash_password(password)
    login.password_set_at = datetime.now(timezone.utc)
    await login.save()
    await record("customer.password_set", actor_type="customer", actor=row.email, via=purpose)
    # A new password ends every other session of this person.
    await customer_sessions().destroy_all(row.email)
    await start_session(row.email, remember=False, method=purpose)
    return redirect(url_for("portal.home"))


async def _link_problem(state: str, purpose: str):
    """The refusal page of an invite or reset link, with ways to get a new link."""
    return await _page(
        "auth/link_problem.html", status=410 if state != "unknown" else 404,
        state=state, token=None, purpose=purpose, allow_password=_allows("password"),
    )


async def _has_password(email: str) -> bool:
    return await PortalLogin.filter(email=email, password_hash__isnull=False).exists()


@blueprint.get("/security")
@person_required
async def security():
    sessions = await customer_sessions().list_for(g.portal.email)
    open_links = await tokens.open_links(g.portal.email)
    return await _page(
        "auth/security.html",
        sessions=[(s, describe_user_agent(s.user_agent)) for _, s in sessions],
        current_handle=g.session.handle if g.get("session") else None,
        links=open_links,
    )


@blueprint.post("/security/sessions/<handle>/revoke")
@person_required
async def revoke_session(handle: str):
    if not await customer_sessions().revoke_handle(g.portal.email, handle):
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("That session has already ended."))
    await record("customer.session_revoked", actor_type="customer", actor=g.portal.email, target=handle)
    if g.session and g.session.handle == handle:
        g.clear_session_cookie = True
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("auth.security"))


@blueprint.post("/security/links/<public_id>/revoke")
@person_required
async def revoke_link(public_id: str):
    from core.models.auth import LoginToken

    row = await LoginToken.get_or_none(public_id=public_id, email=g.portal.email)
    if row is None:
        return await _page("errors/error.html", status=404, code="not_found", message=gettext("That link does not exist."))
    await tokens.revoke(row)
    await record("customer.link_revoked", actor_type="customer", actor=g.portal.email, target=public_id)
    return redirect(url_for("auth.security"))


@blueprint.post("/sign-out")
async def sign_out():
    await end_session()
    return redirect(url_for("auth.sign_in"))


@blueprint.post("/sign-out/everywhere")
@person_required
async def sign_out_everywhere():
    await end_session(everywhere=True)
    return redirect(url_for("auth.sign_in"))
