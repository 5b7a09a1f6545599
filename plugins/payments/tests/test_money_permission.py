"""Who may move money from the console (issue 14, item 6).

Refunds, voids and the settings that decide where card payments go (Stripe
keys, AutoPay) need the ``money`` permission: owner and admin by default.
A technician (role ``staff``) reads card payments but gets 403 on all of
these and is not shown their buttons.
"""

from __future__ import annotations

import pytest

from core.console.access import PERMISSIONS, role_has
from core.console.permissions import MONEY
from core.console.testing import sign_in_staff
from core.models.billing import Payment
from core.models.staff import ROLES
from plugins.payments.tests.autopay_data import pay_by_card


@pytest.fixture
async def paid(app, connected, pat, portal_data, stripe_test_client, in_tenant):
    """A $100.00 invoice Pat paid by card: (payment, PaymentIntent id)."""
    invoice = await portal_data.invoice(pat, lines=(("Pool opening", 1000, 10000),))
    attempt = await pay_by_card(app, connected, pat, [invoice], stripe_test_client)
    with in_tenant(connected):
        return await Payment.get(invoice_id=invoice.id), attempt.stripe_id


async def refunds_at_stripe(stripe_test_client, intent_id: str) -> list[int]:
    return sorted(r.amount for r in (await stripe_test_client.v1.refunds.list_async({"payment_intent": intent_id})).data)


def test_money_belongs_to_owners_and_admins_only():
    assert PERMISSIONS[MONEY] == "admin"
    assert [role for role in ROLES if role_has(role, MONEY)] == ["owner", "admin"]


async def test_a_technician_cannot_refund_and_sees_no_refund_form(staff_client, paid, stripe_test_client, in_tenant, connected):
    payment, intent_id = paid
    page = await staff_client.get(f"/console/card-payments/payments/{payment.public_id}")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200  # reading the payment is back-office work
    assert "Refund to the card" not in html and "/refund" not in html
    assert "Refunds are made by an owner or an admin" in html

    response = await staff_client.submit(
        f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "100.00", "refund_key": "tech-refund-key-0001"}
    )
    assert response.status_code == 403 and "forbidden" in await response.get_data(as_text=True)
    assert await refunds_at_stripe(stripe_test_client, intent_id) == []
    with in_tenant(connected):
        assert (await Payment.get(id=payment.id)).refunded_minor == 0


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_an_owner_or_admin_refunds(app, tenant, client_for, role, paid, stripe_test_client, in_tenant, connected):
    payment, intent_id = paid
    boss = client_for(tenant)
    await sign_in_staff(boss, f"{role}@acme.test", role=role)
    html = await (await boss.get(f"/console/card-payments/payments/{payment.public_id}")).get_data(as_text=True)
    assert "Refund to the card" in html
    response = await boss.submit(
        f"/console/card-payments/payments/{payment.public_id}/refund", {"amount": "25.00", "refund_key": f"{role}-refund-key-0001"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("done=refunded")
    assert await refunds_at_stripe(stripe_test_client, intent_id) == [2500]
    with in_tenant(connected):
        assert (await Payment.get(id=payment.id)).refunded_minor == 2500


async def test_stripe_keys_and_autopay_settings_need_money_even_where_plugins_are_open_to_staff(
    app, tenant, connected, client_for, staff_client, admin_client, monkeypatch
):
    # A business that let every role turn plugins on and off still keeps
    # the payments settings (and the Stripe connection page) to owners and admins.
    monkeypatch.setitem(PERMISSIONS, "plugins", "staff")
    listing = await (await staff_client.get("/console/plugins/")).get_data(as_text=True)
    assert "/console/plugins/payments/settings" not in listing
    assert (await staff_client.get("/console/plugins/payments/settings")).status_code == 403
    response = await staff_client.submit(
        "/console/plugins/payments/settings", {"publishable_key": "pk_test_stolen", "autopay_retries": "10"}
    )
    assert response.status_code == 403 and "forbidden" in await response.get_data(as_text=True)
    assert (await staff_client.get("/console/payments/connection/")).status_code == 403
    nav = await (await staff_client.get("/console/")).get_data(as_text=True)
    assert "/console/payments/connection" not in nav

    page = await admin_client.get("/console/plugins/payments/settings")
    assert page.status_code == 200 and "Stripe secret key" in await page.get_data(as_text=True)
    assert "/console/plugins/payments/settings" in await (await admin_client.get("/console/plugins/")).get_data(as_text=True)
    assert (await admin_client.get("/console/payments/connection/")).status_code == 200
    saved = await admin_client.submit("/console/plugins/payments/settings", {"publishable_key": "pk_test_acme", "autopay_retries": "3"})
    assert saved.status_code == 302
