"""The AutoPay problem email in the customer's language: Stripe's English decline text stays out (issue 17)."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.models.customers import PortalLogin
from plugins.payments.models import PaymentAttempt
from plugins.payments.testing import DECLINED_AT_CHARGE
from plugins.payments.tests.autopay_data import autopay, card_on_file, smtp_app  # noqa: F401 (smtp_app replaces the app fixture here)
from tests.portal_data import PAT

DECLINED = "%(business)s tried to charge your card on file with AutoPay, and the payment was declined."
SPANISH = {
    "Your AutoPay payment to %(business)s did not go through": "Su pago con AutoPay a %(business)s no se realizó",
    DECLINED: "%(business)s intentó cobrar con AutoPay (pago automático) en su tarjeta registrada, y el pago fue rechazado.",
}


@pytest.fixture
def spanish(tmp_path):
    catalog = Catalog(locale="es", domain="messages")
    for msgid, text in SPANISH.items():
        catalog.add(msgid, text)
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.po", "wb") as fp:
        write_po(fp, catalog)
    i18n.add_catalog_dir(tmp_path)
    yield lambda msgid, **values: i18n.translations("es").gettext(msgid) % values
    i18n._catalog_dirs.remove(tmp_path)
    i18n.translations.cache_clear()


async def test_a_spanish_customer_reads_the_decline_in_spanish_without_stripes_english(
    app, connected, pat, portal_data, stripe_test_client, smtp_server, in_tenant, spanish
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
