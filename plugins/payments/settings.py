"""The payments plugin's per-tenant settings, declared for the console's Plugins page.

Stripe's keys and the webhook signing secret are ``secret`` fields: core
stores them encrypted and never shows them back (the form only says "set").
A tenant is *connected* once both its publishable and its secret key are
saved; no payment UI appears anywhere before that.

:func:`payment_settings` reads everything once per request (or once per
call outside a request, e.g. in the AutoPay job).
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import g, has_app_context

from core.i18n import lazy_gettext
from core.plugin_state import plugin_secret, plugin_settings
from core.records import SettingField
from tenants.context import current_tenant_id

PLUGIN = "payments"
CHARGE_ON_ISSUE = "issue"
CHARGE_ON_DUE = "due"
DEFAULT_RETRIES = 2
DEFAULT_RETRY_DAYS = 3
RETRIES_RANGE = (0, 10)
RETRY_DAYS_RANGE = (1, 30)

SETTINGS_FIELDS = [
    SettingField(
        name="publishable_key",
        label=lazy_gettext("Stripe publishable key"),
        kind="text",
        default="",
        help=lazy_gettext("Starts with pk_live_ or pk_test_. Stripe dashboard → Developers → API keys."),
    ),
    SettingField(
        name="secret_key",
        label=lazy_gettext("Stripe secret key"),
        kind="secret",
        help=lazy_gettext("Starts with sk_live_, sk_test_ or rk_ (a restricted key). Stored encrypted; never shown again."),
    ),
    SettingField(
        name="webhook_secret",
        label=lazy_gettext("Stripe webhook signing secret"),
        kind="secret",
        help=lazy_gettext(
            "Starts with whsec_. Add an endpoint in Stripe for https://<your portal address>/payments/webhooks/stripe "
            "with the payment_intent.succeeded, payment_intent.payment_failed, charge.refunded and "
            "charge.dispute.created events, then paste its signing secret here."
        ),
    ),
    SettingField(
        name="autopay_charge_on",
        label=lazy_gettext("AutoPay charges an invoice"),
        kind="choice",
        default=CHARGE_ON_DUE,
        choices=((CHARGE_ON_ISSUE, lazy_gettext("when it is issued")), (CHARGE_ON_DUE, lazy_gettext("on its due date"))),
        help=lazy_gettext("For customers who turned AutoPay on."),
    ),
    SettingField(
        name="autopay_retries",
        label=lazy_gettext("AutoPay retries after a declined charge"),
        kind="int",
        default=DEFAULT_RETRIES,
        help=lazy_gettext("0 to 10. The customer and staff are told after every failed try."),
    ),
    SettingField(
        name="autopay_retry_days",
        label=lazy_gettext("Days between AutoPay tries"),
        kind="int",
        default=DEFAULT_RETRY_DAYS,
        help=lazy_gettext("1 to 30."),
    ),
]


@dataclass(frozen=True)
class PaymentSettings:
    publishable_key: str
    secret_key: str  # decrypted; never render it
    webhook_secret: str  # decrypted; never render it
    autopay_charge_on: str
    autopay_retries: int
    autopay_retry_days: int

    @property
    def connected(self) -> bool:
        """Both Stripe keys are saved: payments may be offered."""
        return bool(self.publishable_key and self.secret_key)

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return (
            f"PaymentSettings(connected={self.connected}, publishable_key={self.publishable_key!r}, "
            f"autopay_charge_on={self.autopay_charge_on!r}, autopay_retries={self.autopay_retries}, "
            f"autopay_retry_days={self.autopay_retry_days})"
        )


def _bounded(value, low: int, high: int, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else default


def _services(services=None):
    if services is not None:
        return services
    from core.services import current_services

    return current_services()


async def payment_settings(services=None) -> PaymentSettings:
    """The current tenant's payment settings, read once per request.

    ``services`` is needed only outside a request (a background task gets
    it injected); inside a request the app's services are used.
    """
    tenant_id = current_tenant_id()
    cache = g.setdefault("payments_settings", {}) if has_app_context() else {}
    if tenant_id in cache:
        return cache[tenant_id]
    services = _services(services)
    host, secret = services.plugins, services.settings.secret_key
    stored = await plugin_settings(PLUGIN, host)
    charge_on = stored.get("autopay_charge_on")
    settings = PaymentSettings(
        publishable_key=str(stored.get("publishable_key") or "").strip(),
        secret_key=(await plugin_secret(PLUGIN, "secret_key", host, secret) or "").strip(),
        webhook_secret=(await plugin_secret(PLUGIN, "webhook_secret", host, secret) or "").strip(),
        autopay_charge_on=charge_on if charge_on in (CHARGE_ON_ISSUE, CHARGE_ON_DUE) else CHARGE_ON_DUE,
        autopay_retries=_bounded(stored.get("autopay_retries"), *RETRIES_RANGE, DEFAULT_RETRIES),
        autopay_retry_days=_bounded(stored.get("autopay_retry_days"), *RETRY_DAYS_RANGE, DEFAULT_RETRY_DAYS),
    )
    cache[tenant_id] = settings
    return settings


def forget_settings() -> None:
    """Drop this request's cached settings (after saving new ones)."""
    if has_app_context():
        g.pop("payments_settings", None)
