"""The signed-in customer of a request: loading, signing in and out.

``load_customer`` runs before every tenant request: it reads the session
cookie, loads the session from the cache and fills ``g.portal`` with the
selected account. A staff member's read-only view is also checked against
the staff session behind it (:mod:`core.auth.viewing`) and ends with it. Views that need a customer use :func:`login_required`.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from quart import Response, g, redirect, request, url_for

from core.audit import client_ip, record
from core.auth.accounts import accounts_for_email, memberships
from core.auth.sessions import REMEMBER_SECONDS, Session, SessionStore
from core.auth.viewing import view_problem
from core.characters import ADDRESS_BAD
from core.plugin_state import announce
from core.models.customers import CustomerAccount, PortalLogin
from core.portal.context import Portal
from core.route_access import CUSTOMER, mark
from core.services import current_services
from core.web.security import is_secure_host, rotate_csrf

COOKIE = "ps_session"


def customer_sessions() -> SessionStore:
    return SessionStore(current_services().cache, "customer")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths may be redirect targets."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if ADDRESS_BAD.search(target):  # a line break would end up in a Location header
        return default
    return target


async def load_customer() -> None:
    """before_request: fill ``g.portal`` from the session cookie (tenant hosts only)."""
    tenant = g.get("tenant")
    if tenant is None:
        return None
    g.session = None
    g.session_id = None
    portal = Portal(tenant=tenant, enabled_plugins=g.get("enabled_plugins", frozenset()))
    g.portal = portal
    session_id = request.cookies.get(COOKIE)
    session = await customer_sessions().load(session_id)
    if session is not None and session.data.get("read_only"):
        session = await _view_still_backed(session, session_id, tenant)
    if session is None:
        if session_id:
            g.clear_session_cookie = True
        return None
    g.session, g.session_id = session, session_id
    portal.email = session.subject
    # One query, on every request: an address removed from an account (or an
    # archived account) loses it at once, and so does "send invoices".
    found = await memberships(session.subject)
    portal.accounts = [account for account, _ in found]
    if session.account:
        for account, sees_invoices in found:
            if account.public_id == session.account:
                portal.account = account
                portal.can_see_invoices = sees_invoices
    portal.read_only = bool(session.data.get("read_only"))
    return None


async def _view_still_backed(session: Session, session_id: str, tenant) -> Session | None:
    """A staff view whose staff session, account or role has gone ends here (see core.auth.viewing)."""
    problem = await view_problem(session, tenant, current_services().cache)
    if problem is None:
        return session
    await customer_sessions().destroy(session_id)
    await record(
        "staff.view_as_ended", actor_type="staff", actor=session.data.get("staff", ""),
        target=session.account or "", email=session.subject, reason=problem,
    )
    return None


async def sign_in(email: str, *, remember: bool, method: str, account: CustomerAccount | None = None) -> Session:
    """Start a fresh session for ``email`` (any earlier one on this browser ends).

    New session id and new CSRF cookie at every sign-in: a planted session
    or token (fixation) stops working. With one account it is selected at
    once; with several the person picks.
    """
    store = customer_sessions()
    old = request.cookies.get(COOKIE)
    if old:
        await store.destroy(old)
    session_id, session = await store.create(
        email, remember=remember, ip=client_ip(), user_agent=request.headers.get("User-Agent", "")
    )
    if account is None:
        accounts = await accounts_for_email(email)
        if len(accounts) == 1:
            account = accounts[0]
    if account is not None:
        session.account = account.public_id
        await store.save(session_id, session)
    g.session, g.session_id = session, session_id
    g.set_session_cookie = (session_id, REMEMBER_SECONDS if remember else None)
    rotate_csrf()
    login, _ = await PortalLogin.get_or_create(email=email)
    from datetime import datetime, timezone

    login.last_sign_in_at = datetime.now(timezone.utc)
    await login.save(update_fields=["last_sign_in_at"])
    await record("customer.sign_in", actor_type="customer", actor=email, method=method, account=session.account or "")
    await announce("customer.signed_in", session.account or "", f"customer:{email}", email=email, method=method)
    return session


async def select_account(account: CustomerAccount) -> None:
    session, session_id = g.session, g.session_id
    session.account = account.public_id
    await customer_sessions().save(session_id, session)


async def sign_out(everywhere: bool = False) -> int:
    store = customer_sessions()
    session = g.get("session")
    ended = 0
    if session is not None and everywhere:
        ended = await store.destroy_all(session.subject)
    elif g.get("session_id"):
        await store.destroy(g.session_id)
        ended = 1
    if session is not None:
        await record(
            "customer.sign_out_everywhere" if everywhere else "customer.sign_out",
            actor_type="customer",
            actor=session.subject,
            sessions=ended,
        )
    g.clear_session_cookie = True
    g.session = None
    return ended


async def write_session_cookie(response: Response) -> Response:
    """after_request: set or clear the session cookie (host-only, HttpOnly, Lax).

    Async although it awaits nothing: Quart runs a sync hook in a thread.
    """
    pending = g.get("set_session_cookie")
    if pending is not None:
        value, max_age = pending
        response.set_cookie(
            COOKIE, value, max_age=max_age, httponly=True, samesite="Lax",
            secure=is_secure_host(request.host), path="/",
        )
    elif g.get("clear_session_cookie"):
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=is_secure_host(request.host))
    return response


def login_required(view: Callable) -> Callable:
    """The view needs a signed-in customer with a selected account."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any):
        portal = g.get("portal")
        if portal is None or portal.email is None:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if portal.account is None:
            return redirect(url_for("auth.choose_account", next=request.full_path.rstrip("?")))
        return await view(*args, **kwargs)

    return mark(wrapper, CUSTOMER)


def person_required(view: Callable) -> Callable:
    """The view needs a signed-in person; no account has to be selected."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any):
        portal = g.get("portal")
        if portal is None or portal.email is None:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return await view(*args, **kwargs)

    return mark(wrapper, CUSTOMER)
