"""Emails that carry sign-in tokens: magic links, deep links, invites, resets.

:func:`deep_link` is what every later email uses to sign the contact in and
land on one document (A3). Requests made from the sign-in page go through
the queue (:func:`request_by_email`), so the page answers the same way, in
the same time, whether or not the address is known (A2).

Every email with a link counts against ``link_per_email_platform``, one
counter per address for all businesses together: over it, nothing is sent
(:class:`LinkMailLimited`). The request pages never show this (the task
runs after they answered), so they still look the same for every address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.audit import record
from core.auth import tokens
from core.auth.accounts import accounts_for_email
from core.auth.rate_limit import hit_platform
from core.links import portal_url
from core.mail.errors import MailError
from core.models.customers import CustomerAccount, normalise_email
from core.services import Services, current_services
from tenants.context import current_tenant

if TYPE_CHECKING:
    from core.console.invite_email import Invitee

TASK_SEND_LINK = "auth.send_link"

# purpose -> email template
EMAILS = {
    "magic": "auth/sign_in_link",
    "deep": "auth/sign_in_link",
    "reset": "auth/reset_password",
    "invite": "auth/invite",
}


class LinkMailLimited(MailError):
    """Too many emails with links went to this address, across all businesses."""


def token_path(purpose: str, token: str) -> str:
    paths = {
        "magic": f"/sign-in/link/{token}",
        "deep": f"/sign-in/link/{token}",
        "reset": f"/reset-password/{token}",
        "invite": f"/create-login/{token}",
    }
    return paths[purpose]


async def request_by_email(purpose: str, email: str, *, ip: str = "", target: str = "", account_id: int | None = None) -> None:
    """Queue "send a link to this address if it has an account"."""
    services = current_services()
    await services.queue.enqueue(
        TASK_SEND_LINK,
        tenant=current_tenant(),
        purpose=purpose,
        email=normalise_email(email),
        ip=ip,
        target=target,
        account_id=account_id,
    )


async def send_link_task(services: Services, purpose: str, email: str, ip: str = "", target: str = "", account_id: int | None = None) -> bool:
    """Background task: issue a token and email it, if the address has an account."""
    accounts = await accounts_for_email(email)
    if not accounts:
        await record("customer.link_requested_unknown", actor_type="customer", actor=email, purpose=purpose)
        return False
    account = next((a for a in accounts if a.id == account_id), None) if account_id else None
    try:
        await send_token_email(services, purpose, email, account=account, target=target, ip=ip)
    except LinkMailLimited:
        return False  # recorded; retrying would only send what the limit holds back
    return True


async def send_token_email(
    services: Services,
    purpose: str,
    email: str,
    *,
    account: CustomerAccount | None = None,
    target: str = "",
    ip: str = "",
    created_by: str = "",
    context: dict | None = None,
    template: str | None = None,
):
    """Issue a token of ``purpose`` and email its link to ``email`` (``template``: default by purpose).

    :raises LinkMailLimited: the address got too many links lately, from any
        business; no token is issued and nothing is sent.
    """
    from core.mail import send_email

    tenant = current_tenant()
    if not await hit_platform(services.cache, services.settings, "link_per_email_platform", email):
        await record("customer.link_rate_limited", actor_type="staff" if created_by else "customer", actor=created_by or email, purpose=purpose, scope="platform")
        raise LinkMailLimited("Too many emails with sign-in links went to this address lately. Nothing was sent; try again later.")
    issued = await tokens.issue(purpose, email, account=account, target=target, ip=ip, created_by=created_by)
    url = await portal_url(services, tenant, token_path(purpose, issued.token))
    template = template or EMAILS[purpose]
    await record(f"customer.{purpose}_link_issued", actor_type="staff" if created_by else "customer", actor=created_by or email, target=issued.row.public_id)
    return await send_email(
        services,
        to=email,
        template=template,
        kind=f"auth.{purpose}",
        context={
            "url": url,
            "expires_at": issued.row.expires_at,
            "purpose": purpose,
            "account": account,
            "invite": False,
            **(context or {}),
        },
    )


async def deep_link(
    services: Services,
    email: str,
    account: CustomerAccount,
    target: str,
    *,
    created_by: str = "",
) -> str:
    """An absolute link that signs ``email`` into ``account`` and opens ``target``.

    Use it in every email about a document (quote, invoice, message). It
    expires after the tenant's deep-link lifetime (7 days by default).
    """
    issued = await tokens.issue("deep", email, account=account, target=target, created_by=created_by)
    return await portal_url(services, current_tenant(), token_path("deep", issued.token))


async def send_invite(
    services: Services,
    email: str,
    *,
    invited_by: str = "",
    subject: str | None = None,
    body: str | None = None,
    invitee: Invitee | None = None,
) -> bool:
    """A5: email a portal invite to ``email`` in the current tenant.

    Tenants that offer passwords get a "Create login" link; link-only
    tenants get a sign-in link. ``subject`` and ``body`` replace the saved
    invite text (a bulk invite sends the text staff reviewed). ``invitee``:
    the address's accounts and name, looked up already for many addresses at
    once (:func:`~core.console.invite_email.invitees`, a bulk invite's round).
    Returns False when the address has no account here.
    """
    from datetime import datetime, timezone

    from core.console.invite_email import customer_name_for, invite_text
    from core.models.customers import PortalLogin

    email = normalise_email(email)
    accounts = invitee.accounts if invitee is not None else await accounts_for_email(email)
    if not accounts:
        return False
    name = invitee.customer_name if invitee is not None else await customer_name_for(email, accounts)
    tenant = current_tenant()
    purpose = "magic" if tenant.portal_setting("sign_in_methods") == "link" else "invite"
    # The tenant's own words (console > Invite email), for either kind of link.
    words = await invite_text(services, tenant, name, subject=subject, body=body)
    await send_token_email(
        services, purpose, email, created_by=invited_by, template=EMAILS["invite"],
        context={"invite": True, "accounts": accounts, "words": words},
    )
    now = datetime.now(timezone.utc)
    login, created = await PortalLogin.get_or_create(email=email, defaults={"invited_at": now})
    if not created:
        await PortalLogin.filter(id=login.id).update(invited_at=now)
    return True
