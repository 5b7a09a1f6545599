"""Cards on file: the account's Stripe customer, its saved cards and the default one.

Stripe keeps the cards; :class:`~plugins.payments.models.SavedCard` rows
mirror them (brand, last 4, expiry, which is the default) so the portal's
lists and AutoPay's eligibility need no API call. Every change goes through
Stripe first and is then written here, so a failed API call leaves the
mirror as it was.

A card is added in the browser with a SetupIntent (:func:`start_setup`,
then Stripe.js ``confirmCardSetup``), and the server reads the result from
Stripe (:func:`finish_setup`): the browser only ever names a SetupIntent,
never a card, and a SetupIntent of another customer is refused.

localstripe does not attach the card of a confirmed SetupIntent to its
customer as Stripe does; :func:`finish_setup` attaches it when Stripe did
not (a no-op on Stripe itself).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import stripe
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.models.customers import ContactEmail, CustomerAccount
from plugins.payments.declines import decline_reason
from plugins.payments.models import SavedCard, StripeCustomer
from plugins.payments.stripe_api import stripe_client
from tenants.context import current_tenant_id

log = logging.getLogger(__name__)


class CardError(Exception):
    """A card could not be added, removed or chosen; ``message`` is for the customer.

    :param code: stable, for JSON errors (``setup_failed``, ``card_in_use``...).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Setup:
    """A SetupIntent ready for Stripe.js: its id and the client secret."""

    id: str
    client_secret: str


def _stripe_message(exc: stripe.StripeError) -> str:
    message = getattr(exc, "user_message", None) or ""
    if not message and getattr(exc, "error", None) is not None:
        message = getattr(exc.error, "message", "") or ""
    return message or _("Stripe could not process the card.")


async def _billing_email(account: CustomerAccount) -> str | None:
    row = (
        await ContactEmail.filter(contact__account_id=account.id, send_invoices=True)
        .order_by("-contact__is_primary", "id")
        .first()
    )
    return row.email if row is not None else None


async def stripe_customer_for(account: CustomerAccount, *, create: bool = True) -> StripeCustomer | None:
    """The account's Stripe customer: the saved row, or a new customer at Stripe and its row.

    Two requests racing to create it keep the first row; the other Stripe
    customer stays empty at Stripe (nothing is attached to it).

    :param create: False only reads the row (None when the account has none).
    """
    existing = await StripeCustomer.get_or_none(account_id=account.id)
    if existing is not None or not create:
        return existing
    client = await stripe_client()
    params: dict = {
        "name": account.name[:250],
        "metadata": {"tenant": str(current_tenant_id()), "account": account.public_id},
    }
    email = await _billing_email(account)
    if email:
        params["email"] = email
    customer = await client.v1.customers.create_async(params, {"idempotency_key": f"customer-{account.public_id}"})
    try:
        return await StripeCustomer.create(account_id=account.id, stripe_id=customer.id)
    except IntegrityError:
        found = await StripeCustomer.get_or_none(account_id=account.id)
        if found is None:
            raise
        return found


def _card_fields(method) -> dict:
    card = method.card
    return {
        "brand": str(getattr(card, "brand", "") or "")[:20],
        "last4": str(getattr(card, "last4", "") or "")[:4],
        "exp_month": int(getattr(card, "exp_month", 0) or 0),
        "exp_year": int(getattr(card, "exp_year", 0) or 0),
    }


async def sync_cards(account: CustomerAccount, *, added_by: str = "") -> list[SavedCard]:
    """Make the account's SavedCard rows match its cards at Stripe; return them, default first.

    Cards Stripe no longer has are dropped, new ones added, the default
    follows the customer's ``invoice_settings.default_payment_method``.
    """
    customer = await stripe_customer_for(account, create=False)
    if customer is None:
        return []
    client = await stripe_client()
    listed = await client.v1.payment_methods.list_async({"customer": customer.stripe_id, "type": "card", "limit": 100})
    remote = await client.v1.customers.retrieve_async(customer.stripe_id)
    settings = getattr(remote, "invoice_settings", None)
    default = (getattr(settings, "default_payment_method", None) or "") if settings is not None else ""
    if not isinstance(default, str):  # expanded
        default = getattr(default, "id", "") or ""
    methods = {m.id: m for m in listed.data}
    if default not in methods:
        default = ""
    async with in_transaction():
        rows = {row.stripe_id: row for row in await SavedCard.filter(account_id=account.id)}
        for stripe_id, row in rows.items():
            if stripe_id not in methods:
                await row.delete()
        for stripe_id, method in methods.items():
            fields = {**_card_fields(method), "is_default": stripe_id == default}
            row = rows.get(stripe_id)
            if row is None:
                await SavedCard.create(account_id=account.id, stripe_id=stripe_id, added_by=added_by, **fields)
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(row, k, v)
                await row.save(update_fields=list(fields))
        if customer.default_payment_method != default:
            customer.default_payment_method = default
            await customer.save(update_fields=["default_payment_method"])
    return list(await SavedCard.filter(account_id=account.id))


async def saved_cards(account: CustomerAccount) -> list[SavedCard]:
    """The account's cards as last mirrored (no API call), default first."""
    return list(await SavedCard.filter(account_id=account.id))


async def card_of(account: CustomerAccount, card_id: str) -> SavedCard | None:
    """The account's saved card with this public id, or None (another account's, none)."""
    if not card_id or "." in card_id:
        return None
    return await SavedCard.get_or_none(account_id=account.id, public_id=card_id)


async def default_card(account: CustomerAccount) -> SavedCard | None:
    """The account's default card, if it has one on file."""
    return await SavedCard.filter(account_id=account.id, is_default=True).first()


async def start_setup(account: CustomerAccount) -> Setup:
    """A SetupIntent for the account's Stripe customer, for Stripe.js ``confirmCardSetup``."""
    customer = await stripe_customer_for(account)
    client = await stripe_client()
    intent = await client.v1.setup_intents.create_async(
        {"customer": customer.stripe_id, "usage": "off_session", "payment_method_types": ["card"]}
    )
    return Setup(intent.id, intent.client_secret)


async def finish_setup(account: CustomerAccount, setup_intent_id: str, *, added_by: str = "") -> SavedCard:
    """Save the card of a SetupIntent the browser confirmed; return its row.

    :raises CardError: the SetupIntent is not this account's, or did not succeed.
    """
    customer = await stripe_customer_for(account, create=False)
    if customer is None or not setup_intent_id.startswith("seti_") or len(setup_intent_id) > 255:
        raise CardError("setup_unknown", _("This card could not be found. Enter it again."))
    client = await stripe_client()
    try:
        intent = await client.v1.setup_intents.retrieve_async(setup_intent_id)
    except stripe.InvalidRequestError:
        raise CardError("setup_unknown", _("This card could not be found. Enter it again.")) from None
    if getattr(intent, "customer", None) != customer.stripe_id:
        raise CardError("setup_unknown", _("This card could not be found. Enter it again."))
    if intent.status != "succeeded" or not intent.payment_method:
        raise CardError("setup_failed", _("The card was not saved: your bank did not accept it. Try another card."))
    method_id = intent.payment_method if isinstance(intent.payment_method, str) else intent.payment_method.id
    method = await client.v1.payment_methods.retrieve_async(method_id)
    if not getattr(method, "customer", None):  # localstripe: Stripe attaches it on confirmation
        try:
            method = await client.v1.payment_methods.attach_async(method_id, {"customer": customer.stripe_id})
        except stripe.CardError as exc:
            code = getattr(exc, "code", None) or ""
            error = getattr(exc, "error", None)
            code = getattr(error, "decline_code", None) or code
            raise CardError("card_declined", decline_reason(code, _stripe_message(exc)) or _("Your card was declined.")) from None
    elif method.customer != customer.stripe_id:
        raise CardError("setup_unknown", _("This card could not be found. Enter it again."))
    has_default = bool(customer.default_payment_method)
    if not has_default:  # the first card becomes the default
        await client.v1.customers.update_async(
            customer.stripe_id, {"invoice_settings": {"default_payment_method": method_id}}
        )
    await sync_cards(account, added_by=added_by)
    row = await SavedCard.get_or_none(account_id=account.id, stripe_id=method_id)
    if row is None:  # Stripe listed it a moment ago; make sure the mirror has it
        row = await SavedCard.create(
            account_id=account.id, stripe_id=method_id, added_by=added_by,
            is_default=not has_default, **_card_fields(method),
        )
    elif added_by and not row.added_by:
        row.added_by = added_by
        await row.save(update_fields=["added_by"])
    return row


async def set_default(account: CustomerAccount, card: SavedCard) -> None:
    """Make ``card`` the account's default (Stripe's customer default too)."""
    customer = await stripe_customer_for(account, create=False)
    if customer is None:
        raise CardError("card_unknown", _("This card is no longer on file."))
    client = await stripe_client()
    await client.v1.customers.update_async(
        customer.stripe_id, {"invoice_settings": {"default_payment_method": card.stripe_id}}
    )
    async with in_transaction():
        await SavedCard.filter(account_id=account.id).exclude(id=card.id).update(is_default=False)
        await SavedCard.filter(id=card.id).update(is_default=True)
        customer.default_payment_method = card.stripe_id
        await customer.save(update_fields=["default_payment_method"])


async def remove(account: CustomerAccount, card: SavedCard) -> None:
    """Remove a card (detached at Stripe, row deleted).

    :raises CardError: ``card_in_use`` for the default card while AutoPay is
        on: AutoPay never stops without the customer saying so.
    """
    customer = await stripe_customer_for(account, create=False)
    if customer is not None and customer.autopay and card.is_default:
        raise CardError(
            "card_in_use",
            _(
                "The card ending %(last4)s pays your invoices with AutoPay. "
                "Choose another default card first, or turn AutoPay off.",
                last4=card.last4,
            ),
        )
    client = await stripe_client()
    try:
        await client.v1.payment_methods.detach_async(card.stripe_id)
    except stripe.InvalidRequestError:
        log.info("card %s was already gone at Stripe", card.public_id)
    async with in_transaction():
        await SavedCard.filter(id=card.id).delete()
        if customer is not None and customer.default_payment_method == card.stripe_id:
            customer.default_payment_method = ""
            await customer.save(update_fields=["default_payment_method"])


async def set_autopay(account: CustomerAccount, on: bool, *, by: str) -> StripeCustomer | None:
    """Turn AutoPay on (needs a default card) or off, recording who and when.

    :raises CardError: ``no_default_card`` when turning on without one.
    """
    customer = await stripe_customer_for(account, create=False)
    if on:
        card = await default_card(account)
        if customer is None or card is None or customer.default_payment_method != card.stripe_id:
            raise CardError("no_default_card", _("Add a card and make it your default before turning AutoPay on."))
    if customer is None:  # off, and never had a card: nothing to record
        return None
    if customer.autopay != on:
        customer.autopay = on
        customer.autopay_changed_at = datetime.now(timezone.utc)
        customer.autopay_changed_by = by[:320]
        await customer.save(update_fields=["autopay", "autopay_changed_at", "autopay_changed_by"])
    return customer
