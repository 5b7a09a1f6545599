"""The tenant's Stripe connection: status, "Test connection", and the demo's connection (issue 7, P1).

Keys are entered on the console's Plugins → Payments settings page, the
one settings form core builds for every plugin (secret fields there are
write-only and stored encrypted). This module adds, under
``/console/payments/connection`` (permission ``money``, owner and admin by
default: the keys decide where card payments go, so the plugin's settings
form needs it too, through ``PluginInfo.settings_permission``):

* a status page: connected or not, test or live mode, whether the webhook
  secret is saved, the webhook address to give Stripe, the last event
  received, and a link to the settings form;
* a "Test connection" button that asks Stripe for the account's balance
  with the saved secret key and shows "Connected" or what went wrong in
  plain words (a wrong key is a message, never an error page). Each test is
  audited (``payments.connection_tested``).

:func:`seed_demo` connects the demo businesses to localstripe.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import stripe
from quart import Blueprint, g, url_for

from core.audit import record
from core.console.access import load_staff, staff_required, write_staff_cookie
from core.console.permissions import MONEY
from core.console.shell import render_console
from core.i18n import gettext as _, lazy_gettext
from core.records import ConsoleLink
from plugins.payments.models import WebhookEvent
from plugins.payments.settings import PLUGIN, PaymentSettings, payment_settings
from plugins.payments.stripe_api import NotConnected, is_local_stripe, stripe_client

log = logging.getLogger("porchside.payments")

blueprint = Blueprint("console_payments_connect", __name__, url_prefix="/console/payments/connection")
blueprint.portal_section = None  # type: ignore[attr-defined]
blueprint.before_request(load_staff)
blueprint.after_request(write_staff_cookie)

BLUEPRINTS = [blueprint]
CONSOLE_LINKS = [
    ConsoleLink(id="payments_connection", label=lazy_gettext("Stripe connection"), endpoint="console_payments_connect.index", order=86, permission=MONEY, group="settings")
]


@dataclass(frozen=True)
class TestResult:
    ok: bool
    code: str
    message: str


def mode_of(key: str) -> str:
    """``test``, ``live`` or ``""`` (not a key we recognise) from a Stripe key's prefix."""
    for prefix in ("sk_", "rk_", "pk_"):
        if key.startswith(prefix + "test_"):
            return "test"
        if key.startswith(prefix + "live_"):
            return "live"
    return ""


def key_warnings(settings: PaymentSettings) -> list[str]:
    """Mistakes visible from the keys alone (no call to Stripe)."""
    warnings = []
    if settings.publishable_key and not settings.publishable_key.startswith("pk_"):
        warnings.append(_("The publishable key should start with pk_test_ or pk_live_."))
    if settings.secret_key and not settings.secret_key.startswith(("sk_", "rk_")):
        warnings.append(_("The secret key should start with sk_ (or rk_ for a restricted key)."))
    if settings.webhook_secret and not settings.webhook_secret.startswith("whsec_"):
        warnings.append(_("The webhook signing secret should start with whsec_."))
    modes = {mode_of(settings.publishable_key), mode_of(settings.secret_key)} - {""}
    if len(modes) > 1:
        warnings.append(_("One key is a test key and the other a live key: use both from the same mode."))
    return warnings


async def test_connection() -> TestResult:
    """Ask Stripe for the balance with the saved secret key."""
    try:
        client = await stripe_client()
        await client.v1.balance.retrieve_async()
    except NotConnected:
        return TestResult(False, "not_connected", _("Save the publishable key and the secret key first."))
    except stripe.AuthenticationError:
        return TestResult(False, "bad_key", _("Stripe refused the secret key. Copy it again from the Stripe dashboard (Developers → API keys) and save it."))
    except stripe.PermissionError:
        return TestResult(False, "permission", _("This restricted key may not read the balance. Give it read access to Balance, and write access to PaymentIntents, SetupIntents, Customers, PaymentMethods and Refunds."))
    except stripe.APIConnectionError:
        return TestResult(False, "unreachable", _("Stripe could not be reached. Try again in a minute."))
    except stripe.StripeError as exc:
        return TestResult(False, "stripe_error", _("Stripe answered: %(message)s.", message=exc.user_message or _("an error")))
    return TestResult(True, "ok", _("Connected: Stripe accepted the secret key."))


async def _page(result: TestResult | None = None):
    settings = await payment_settings()
    last_event = await WebhookEvent.all().order_by("-created_at", "-id").first()
    return await render_console(
        "payments/connect.html",
        settings=settings,
        mode=mode_of(settings.secret_key) or mode_of(settings.publishable_key),
        warnings=key_warnings(settings),
        webhook_url=url_for("payments_webhooks.stripe_webhook", _external=True),
        settings_url=url_for("console.plugins.settings", name=PLUGIN),
        last_event=last_event,
        local_stripe=is_local_stripe(),
        result=result,
    )


@blueprint.get("/")
@staff_required(MONEY)
async def index():
    return await _page()


@blueprint.post("/test")
@staff_required(MONEY)
async def test():
    result = await test_connection()
    await record("payments.connection_tested", actor_type="staff", actor=g.staff.email, target=PLUGIN, ok=result.ok, code=result.code)
    return await _page(result)


# -- the demo -----------------------------------------------------------------------

DEMO_CUSTOMER = "pat@example.com"
DEMO_CARD_TENANT = "sunny-pools"
DEMO_SECRET_KEY = "sk_test_porchside_demo"


def new_webhook_secret() -> str:
    """A random signing secret shaped like Stripe's, for one demo business.

    Never a shared constant: whoever knew it could sign events (payments
    marked paid) for every demo portal reachable from outside.
    """
    return "whsec_" + secrets.token_urlsafe(32)


async def seed_demo(tenant, services, today):
    """Connect a demo business to localstripe, and give Pat at Sunny Pools a saved Visa.

    Only when the app's Stripe API base is on this machine (localstripe):
    test keys are never written for a business that talks to Stripe itself.
    Runs outside any request (``porchside demo`` seeds before serving), so
    it uses ``services`` and the SDK directly.
    """
    from core.models.customers import ContactEmail
    from core.plugin_state import plugin_secret, save_plugin_settings
    from plugins.payments.models import SavedCard, StripeCustomer
    from plugins.payments.stripe_api import client_for_key

    if not is_local_stripe(services):
        return None
    # A business seeded again keeps its webhook secret (an empty secret field
    # keeps the stored one); a new one gets its own random secret, stored
    # encrypted like every plugin secret.
    stored = await plugin_secret(PLUGIN, "webhook_secret", services.plugins, services.settings.secret_key)
    await save_plugin_settings(
        PLUGIN,
        {"publishable_key": f"pk_test_{tenant.slug}", "secret_key": DEMO_SECRET_KEY, "webhook_secret": "" if stored else new_webhook_secret()},
        services.plugins,
        services.settings.secret_key,
    )
    if tenant.slug != DEMO_CARD_TENANT:
        return "connected"
    row = await ContactEmail.filter(email=DEMO_CUSTOMER).order_by("contact__account_id").select_related("contact__account").first()
    if row is None:
        return "connected"
    account = row.contact.account
    try:
        client = client_for_key(DEMO_SECRET_KEY, services.settings.stripe_api_base)
        customer = await client.v1.customers.create_async(
            {"email": DEMO_CUSTOMER, "name": account.name[:250], "metadata": {"tenant": str(tenant.id), "account": account.public_id}}
        )
        method = await client.v1.payment_methods.create_async(
            {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": today.year + 4, "cvc": "123"}}
        )
        await client.v1.payment_methods.attach_async(method.id, {"customer": customer.id})
        await client.v1.customers.update_async(customer.id, {"invoice_settings": {"default_payment_method": method.id}})
    except stripe.StripeError as exc:
        log.warning("demo: no saved card for %s at %s: %s", DEMO_CUSTOMER, tenant.slug, exc)
        return "connected"
    await StripeCustomer.create(account_id=account.id, stripe_id=customer.id, default_payment_method=method.id)
    await SavedCard.create(
        account_id=account.id, stripe_id=method.id, brand=method.card.brand, last4=method.card.last4,
        exp_month=method.card.exp_month, exp_year=method.card.exp_year, is_default=True, added_by=DEMO_CUSTOMER,
    )
    return "connected, with a saved card"
