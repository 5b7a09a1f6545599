"""Connecting Stripe in the console: keys on the Plugins settings form (write-only), status, "Test connection"."""

from __future__ import annotations

from core.console.testing import sign_in_staff
from core.models.platform import AuditEvent
from plugins.payments.stripe_api import is_connected

PAGE = "/console/payments/connection/"
SETTINGS = "/console/plugins/payments/settings"


async def text(response) -> str:
    return await response.get_data(as_text=True)


async def test_admin_saves_keys_write_only_and_tests_the_connection(app, tenant, client, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="admin")
    page = await text(await client.get(PAGE))
    assert "Not connected" in page
    assert "/payments/webhooks/stripe" in page

    response = await client.submit(SETTINGS, {
        "publishable_key": "pk_test_acme", "secret_key": "sk_test_acme_secret_value", "webhook_secret": "whsec_acme_value",
        "autopay_charge_on": "due", "autopay_retries": "2", "autopay_retry_days": "3",
    })
    assert response.status_code == 302
    form = await text(await client.get(SETTINGS))
    assert "sk_test_acme_secret_value" not in form and "whsec_acme_value" not in form
    assert "pk_test_acme" in form
    page = await text(await client.get(PAGE))
    assert "Connected" in page and "test mode" in page
    assert "sk_test_acme_secret_value" not in page

    tested = await text(await client.submit(PAGE + "test"))
    assert 'data-result="ok"' in tested
    with in_tenant(tenant):
        event = await AuditEvent.get(action="payments.connection_tested")
        assert event.detail["ok"] is True
        assert "sk_test" not in str(event.detail)


async def test_a_wrong_key_is_a_clear_message_not_an_error_page(app, tenant, client):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    await client.submit(SETTINGS, {"publishable_key": "pk_test_acme", "secret_key": "not-a-stripe-key"})
    response = await client.submit(PAGE + "test")
    assert response.status_code == 200
    page = await text(response)
    assert 'data-result="bad_key"' in page and "Stripe refused the secret key" in page
    assert "The secret key should start with sk_" in page


async def test_testing_before_any_key_says_what_to_do(app, tenant, client):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    page = await text(await client.submit(PAGE + "test"))
    assert 'data-result="not_connected"' in page


async def test_connection_page_needs_the_plugins_permission(app, tenant, client):
    await sign_in_staff(client, "tyler@acme.test", role="staff")
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.submit(PAGE + "test")).status_code == 403


async def test_not_connected_until_both_keys_are_saved(app, tenant, client, in_tenant):
    await sign_in_staff(client, "owner@acme.test", role="owner")
    services = app.extensions["porchside"]
    await client.submit(SETTINGS, {"secret_key": "sk_test_only_secret"})
    with in_tenant(tenant):
        assert not await is_connected(services)
    await client.submit(SETTINGS, {"publishable_key": "pk_test_acme"})
    with in_tenant(tenant):
        assert await is_connected(services)
    await client.submit(SETTINGS, {"publishable_key": "pk_test_acme", "clear_secret_key": "on"})
    with in_tenant(tenant):
        assert not await is_connected(services)
