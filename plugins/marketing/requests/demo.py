"""Demo service requests and published marketing links for Sunny Pools (``porchside_demo_seed``).

Pat Morgan (``pat@example.com``) has an open request with a photo and one
that staff answered, on the home account; the business's marketing and
booking links are published, so the portal's top bar shows them.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.console.uploads import Upload
from core.demo.pictures import draw_photo
from core.models.customers import CustomerAccount
from core.models.staff import StaffUser
from core.plugin_state import plugin_settings, save_plugin_settings
from plugins.marketing.requests.links import BOOKING, PLUGIN, PUBLISHED, SITE
from plugins.marketing.requests.models import ANSWERED, RequestAnswer, ServiceRequest
from plugins.marketing.requests.service import NewRequest, create_request
from tenants.models import Tenant

DEMO_EMAIL = "pat@example.com"
LINKS = {"sunny-pools": ("https://sunny-pools.example.com", "https://sunny-pools.example.com/book")}


async def seed_demo(tenant: Tenant, services, today: date) -> None:
    if tenant.slug not in LINKS:
        return
    site, booking = LINKS[tenant.slug]
    current = await plugin_settings(PLUGIN, services.plugins)
    await save_plugin_settings(PLUGIN, {**current, SITE: site, BOOKING: booking, PUBLISHED: True}, services.plugins, services.settings.secret_key)

    account = await CustomerAccount.filter(name="Pat Morgan").order_by("id").first()
    if account is None:
        return
    zone = ZoneInfo(tenant.timezone)

    def moment(days_ago: int, hour: int) -> datetime:
        local = datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=zone)
        return min(local.astimezone(timezone.utc), datetime.now(timezone.utc))

    photo = Upload("green-water.jpg", "image/jpeg", draw_photo("green_pool", "Cloudy water after the storm"))
    fresh, _ = await create_request(
        account, DEMO_EMAIL, secrets.token_urlsafe(24),
        NewRequest(
            "Green, cloudy water after the storm",
            "The pool turned green two days after the monsoon storm, and the skimmer basket is full of leaves.",
            account.billing_address, (today + timedelta(days=2), today + timedelta(days=3)),
        ),
        [photo], services.storage,
    )
    await ServiceRequest.filter(id=fresh.id).update(created_at=moment(0, 8))

    answered, _ = await create_request(
        account, DEMO_EMAIL, secrets.token_urlsafe(24),
        NewRequest("Add a pool light timer", "Could the pool light switch itself off at midnight?", account.billing_address, (today + timedelta(days=9),)),
        [], services.storage,
    )
    await ServiceRequest.filter(id=answered.id).update(created_at=moment(3, 18), status=ANSWERED)
    staff = await StaffUser.filter(active=True).order_by("id").first()
    reply = await RequestAnswer.create(
        request=answered, staff=staff, author_name=staff.name if staff else tenant.name,
        body="Yes: a digital timer fits your light's circuit. It is about $85 with installation; we can fit it at your next weekly service.",
    )
    await RequestAnswer.filter(id=reply.id).update(created_at=moment(2, 9))
