"""The demo: businesses connected to localstripe only, and Pat's saved Visa at Sunny Pools."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from datetime import date

import httpx

from core.demo import seed_demo
from core.testing import wait_until
from plugins.payments.models import SavedCard, StripeCustomer
from plugins.payments.settings import payment_settings
from tenants.context import use_tenant
from tests.test_cli import _free_port, _porchside_command


async def test_demo_businesses_are_connected_with_a_saved_card_and_a_webhook_secret_each(app, client_for, stripe_test_client):
    """One seed of the demo (with the plugin's own step, against localstripe) for both checks below."""
    services = app.extensions["porchside"]
    seeded = {item.tenant.slug: item.tenant for item in await seed_demo(services.storage, services=services)}
    await check_connected_to_localstripe_with_a_saved_card(app, stripe_test_client, seeded)
    await check_each_business_gets_its_own_random_webhook_secret(app, client_for, seeded)


async def check_connected_to_localstripe_with_a_saved_card(app, stripe_test_client, seeded):
    services = app.extensions["porchside"]
    for tenant in seeded.values():
        with use_tenant(tenant):
            settings = await payment_settings(services)
            assert settings.connected and settings.secret_key.startswith("sk_test_")
    with use_tenant(seeded["sunny-pools"]):
        [card] = await SavedCard.filter(account__contacts__emails__email="pat@example.com").distinct()
        assert (card.brand, card.last4, card.is_default) == ("visa", "4242", True)
        customer = await StripeCustomer.get(account_id=card.account_id)
        assert customer.default_payment_method == card.stripe_id
    method = await stripe_test_client.v1.payment_methods.retrieve_async(card.stripe_id)
    assert method.customer == customer.stripe_id


async def check_each_business_gets_its_own_random_webhook_secret(app, client_for, seeded):
    """Extra of issue 14: a shared, published demo secret would let anyone sign events for every demo."""
    from core.models.platform import PluginConfig
    from plugins.payments import connect
    from plugins.payments.testing import make_event, post_event

    services = app.extensions["porchside"]
    assert len(seeded) >= 2
    secrets_by_slug = {}
    for slug, tenant in seeded.items():
        with use_tenant(tenant):
            secret = (await payment_settings(services)).webhook_secret
            raw = (await PluginConfig.get(plugin="payments")).secrets["webhook_secret"]
        assert secret.startswith("whsec_") and len(secret) >= 40 and secret != "whsec_porchside_demo"
        assert secret not in raw  # stored encrypted
        secrets_by_slug[slug] = secret
    assert len(set(secrets_by_slug.values())) == len(seeded)
    # Seeding again keeps each business working with its secret; so does the
    # plugin's own seed step run again on a business (no saved card there).
    again = await seed_demo(services.storage, services=services)
    assert not any(item.created for item in again)
    with use_tenant(seeded["pipeworks"]):
        assert await connect.seed_demo(seeded["pipeworks"], services, date.today()) == "connected"
    for slug, tenant in seeded.items():
        with use_tenant(tenant):
            settings = await payment_settings(services)
            assert settings.connected and settings.webhook_secret == secrets_by_slug[slug]
    # A business accepts events signed with its own secret only.
    sunny, pipeworks = seeded["sunny-pools"], seeded["pipeworks"]
    event = make_event("customer.created", {"id": "cus_demo", "object": "customer"})
    assert (await post_event(client_for(sunny, app), event, secrets_by_slug["sunny-pools"])).status_code == 200
    refused = await post_event(client_for(sunny, app), make_event("customer.created", {"id": "cus_x"}), secrets_by_slug["pipeworks"])
    assert refused.status_code == 400 and (await refused.get_json())["error"]["code"] == "bad_signature"
    assert (await post_event(client_for(pipeworks, app), event, "whsec_porchside_demo")).status_code == 400


async def test_no_test_keys_are_written_against_real_stripe(make_app):
    async with make_app() as app:  # the default API base: Stripe itself
        services = app.extensions["porchside"]
        for item in await seed_demo(services.storage, services=services):
            with use_tenant(item.tenant):
                assert not (await payment_settings(services)).connected
                assert await SavedCard.all().count() == 0


def test_porchside_demo_runs_localstripe_and_stops_it(tmp_path, porchside_backends):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCHSIDE_")}
    env["PORCHSIDE_DATA_DIR"] = str(tmp_path)
    # From the suite's migrated template: this test is about localstripe, not migrating.
    (tmp_path / "demo").mkdir()
    shutil.copyfile(porchside_backends.get("sqlite").template, tmp_path / "demo" / "porchside.sqlite3")
    command = _porchside_command()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([*command, "demo", "--port", str(port)], env=env, stdout=stdout, stderr=stderr, cwd=tmp_path)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            def answers() -> bool:
                assert process.poll() is None, f"porchside demo exited: {err.read_text()}"
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(answers, timeout=120, interval=0.25, describe=lambda: f"porchside demo did not start: {err.read_text()}")
        printed = out.read_text()
        assert "Card payments: localstripe" in printed
        api_base = printed.split("localstripe (a local Stripe stand-in) at ", 1)[1].split(";", 1)[0]
        assert httpx.get(f"{api_base}/v1/balance", auth=("sk_test_x", "")).status_code == 200
        assert (tmp_path / "demo" / "localstripe.pickle").exists()  # saved cards outlive a restart
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.read_text()
    try:
        httpx.get(f"{api_base}/v1/balance", auth=("sk_test_x", ""), timeout=2)
        raise AssertionError("localstripe still runs after the demo stopped")
    except httpx.TransportError:
        pass
