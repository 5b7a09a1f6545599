"""The AutoPay problem email in the customer's language: Stripe's English decline text stays out (issue 17)."""

from __future__ import annotations

from functools import partial

from core.models.customers import PortalLogin
from core.testing import translated
from plugins.payments.models import PaymentAttempt
from plugins.payments.testing import DECLINED_AT_CHARGE
from plugins.payments.tests.autopay_data import autopay, card_on_file, smtp_app  # noqa: F401 (smtp_app replaces the app fixture here)
from tests.portal_data import PAT

DECLINED = "%(business)s tried to charge your card on file with AutoPay, and the payment was declined."


spanish = partial(translated, "es")


async def test_a_spanish_customer_reads_the_decline_in_spanish_without_stripes_english(
    app, connected, pat, portal_data, stripe_test_client, smtp_server, in_tenant
):
    with in_tenant(connected):
        await PortalLogin.create(email=PAT, language="es")  # chosen with the portal's language switcher
    await card_on_file(app, connected, pat, stripe_test_client, DECLINED_AT_CHARGE)
    invoice = await portal_data.invoice(pat, due_in_days=-1)
    assert (await autopay(app, connected)).failed == [invoice.number]
    with in_tenant(connected):
        attempt = await PaymentAttempt.get(kind="autopay")
    assert attempt.failure_message  # Stripe's English, kept for staff

    await smtp_server.wait_for(1)
    [mail] = [m for m in smtp_server.messages if m["To"] == PAT]
    assert mail["Subject"] == spanish("Your AutoPay payment to %(business)s did not go through", business="Acme Pool Care")
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    assert spanish(DECLINED, business="Acme Pool Care") in text
    assert attempt.failure_message not in text and attempt.failure_message not in html
