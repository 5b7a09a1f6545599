"""All-or-nothing tenant commands (issue 15, item 3): create with an outbox, invite-owner, set."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.testing import eventually
from tests.private_services import PrivateRedis
from tests.test_cli import cli_env, invoke, one_error_line, read_db  # noqa: F401 - cli_env is a fixture


async def _emails_and_staff(slug: str):
    from core.models.mail import OutboundEmail
    from core.models.staff import StaffUser
    from tenants.context import use_tenant
    from tenants.models import Tenant

    found = await Tenant.get_or_none(slug=slug)
    if found is None:
        return None
    with use_tenant(found):
        emails = [(e.to, e.status, e.kind) for e in await OutboundEmail.all().order_by("id")]
        staff = [(s.email, s.role) for s in await StaffUser.all()]
    return emails, staff


def test_create_during_a_redis_outage_stores_the_invitation_and_the_relay_sends_it(cli_env):
    redis = PrivateRedis()  # not started yet: the outage
    env = {**cli_env.env, "PORCHSIDE_REDIS_URL": redis.url}
    created = invoke(["tenant", "create", "acme", "Acme Pool Care", "--owner-email", "boss@acme.test"], env)
    assert created.exit_code == 0, created.output
    assert "Created Acme Pool Care" in created.output
    assert "the email to boss@acme.test is stored and will be sent when the queue (Redis) answers" in created.output
    assert "Traceback" not in created.output
    assert read_db(cli_env.settings, lambda: _emails_and_staff("acme")) == (
        [("boss@acme.test", "queued", "console.staff_invite")],
        [("boss@acme.test", "owner")],
    )

    # Redis is back: the worker's outbox relay queues the stored email, and it goes once.
    redis.start()
    try:
        settings = replace(cli_env.settings, redis_url=redis.url, dev_outbox=True)

        async def relay_twice():
            from core.db import open_database, release_database, tortoise_config
            from core.plugins import PluginHost
            from core.queue.worker import _relay
            from core.services import Services

            host = PluginHost().load()
            services = Services.build(settings, host)
            config = tortoise_config(settings, host.model_apps())
            await open_database(config)
            try:
                await services.queue.start_worker()
                await _relay(services, 0)
                await _relay(services, 0)  # a second pass finds the email already queued
                await eventually(lambda: services.queue.idle(), timeout=30)
                return await _emails_and_staff("acme")
            finally:
                await services.queue.stop_worker()
                await services.close()
                await release_database(config)

        emails, _ = __import__("asyncio").run(relay_twice())
        assert emails == [("boss@acme.test", "sent", "console.staff_invite")]
    finally:
        redis.stop()


def test_create_is_all_or_nothing(cli_env):
    refused = invoke(["tenant", "create", "acme", "Acme", "--owner-email", "boss@acme.test", "--owner-name", "x" * 201], cli_env.env)
    assert refused.exit_code == 1 and "at most 200 characters" in one_error_line(refused)
    assert read_db(cli_env.settings, lambda: _emails_and_staff("acme")) is None  # no business without its owner
    again = invoke(["tenant", "create", "acme", "Acme", "--owner-email", "boss@acme.test"], cli_env.env)
    assert again.exit_code == 0, again.output

    ownerless = invoke(["tenant", "create", "globex", "Globex"], cli_env.env)
    assert ownerless.exit_code == 1 and "--owner-email" in one_error_line(ownerless)


def test_invite_owner_invites_or_reinvites_and_refuses_a_set_password(cli_env):
    assert invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env).exit_code == 0
    first = invoke(["tenant", "invite-owner", "acme", "Boss@Acme.test"], cli_env.env)
    assert first.exit_code == 0 and "Invited boss@acme.test as an owner of Acme." in first.output
    second = invoke(["tenant", "invite-owner", "acme", "boss@acme.test"], cli_env.env)
    assert second.exit_code == 0 and "Sent boss@acme.test a new invitation" in second.output
    emails, staff = read_db(cli_env.settings, lambda: _emails_and_staff("acme"))
    assert staff == [("boss@acme.test", "owner")]
    assert [(to, kind) for to, _, kind in emails] == [("boss@acme.test", "console.staff_invite")] * 2

    async def choose_password():
        from core.models.staff import StaffUser
        from tenants.context import use_tenant
        from tenants.models import Tenant

        with use_tenant(await Tenant.get(slug="acme")):
            await StaffUser.filter(email="boss@acme.test").update(password_hash="set-by-the-owner")

    read_db(cli_env.settings, choose_password)
    refused = invoke(["tenant", "invite-owner", "acme", "boss@acme.test"], cli_env.env)
    assert refused.exit_code == 1 and "already has a password" in one_error_line(refused)
    unknown = invoke(["tenant", "invite-owner", "nobody", "boss@acme.test"], cli_env.env)
    assert unknown.exit_code == 1 and "no business has the address 'nobody'" in one_error_line(unknown)
    bad = invoke(["tenant", "invite-owner", "acme", "not-an-email"], cli_env.env)
    assert bad.exit_code == 1 and "not an email address" in one_error_line(bad)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timezone", "Mars/Olympus", "not an IANA time zone"),
        ("--currency", "XYZ", "not an ISO 4217 code"),
        ("--locale", "xx_YY", "not a known locale"),
        ("--name", "   ", "must not be empty"),
    ],
)
def test_set_refuses_bad_values_with_one_line(cli_env, option, value, message):
    assert invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env).exit_code == 0
    result = invoke(["tenant", "set", "acme", option, value], cli_env.env)
    assert result.exit_code == 1 and message in one_error_line(result)


def test_set_changes_settings_and_keeps_the_currency_once_invoiced(cli_env):
    from tenants.models import Tenant

    assert invoke(["tenant", "create", "acme", "Acme", "--no-owner"], cli_env.env).exit_code == 0
    result = invoke(
        ["tenant", "set", "acme", "--timezone", "Europe/Paris", "--currency", "eur", "--locale", "fr-CA", "--name", "Acme Québec"],
        cli_env.env,
    )
    assert result.exit_code == 0, result.output
    assert "currency is now EUR" in result.output and "locale is now fr_CA" in result.output

    async def settings_and_invoice(invoice: bool = False):
        from core.models.billing import Invoice
        from core.models.customers import CustomerAccount
        from tenants.context import use_tenant

        acme = await Tenant.get(slug="acme")
        if invoice:
            with use_tenant(acme):
                account = await CustomerAccount.create(number="C-1", name="Pat")
                await Invoice.create(account=account, number="INV-1", currency="EUR")
        return acme.name, acme.timezone, acme.currency, acme.locale

    assert read_db(cli_env.settings, lambda: settings_and_invoice(invoice=True)) == ("Acme Québec", "Europe/Paris", "EUR", "fr_CA")
    refused = invoke(["tenant", "set", "acme", "--currency", "USD", "--timezone", "America/Chicago"], cli_env.env)
    assert refused.exit_code == 1
    assert "the currency stays EUR: the business has 1 invoice(s)" in one_error_line(refused)
    # Nothing of the refused command was saved, not even the valid time zone.
    assert read_db(cli_env.settings, settings_and_invoice)[1:3] == ("Europe/Paris", "EUR")
    same = invoke(["tenant", "set", "acme", "--currency", "eur"], cli_env.env)
    assert same.exit_code == 0 and "nothing changed" in same.output
