"""Demo conversations (``porchside_demo_seed``): Pat Morgan talks with Sunny Pools about a job.

Pat (``pat@example.com``) asked about the green-to-clean recovery, the
owner answered, and Pat's thank-you waits unread in the console; a second
business message waits unread for Pat, so both sides show unread counts.
Messages are posted the way people post them (:func:`post_message`), then
moved into the past.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.models.staff import StaffUser
from plugins.marketing.messages.models import CUSTOMER, STAFF, Message, Thread
from plugins.marketing.messages.threads import post_message
from tenants.models import Tenant

DEMO_ACCOUNT = "SP-1001"  # Pat Morgan's home
DEMO_EMAIL = "pat@example.com"
DEMO_JOB = "Green-to-clean pool recovery"
# (days ago, hour, author kind, text)
CONVERSATION = (
    (39, 9, CUSTOMER, "Hi! The water looks much better already. Should I keep the pump running all day, or can I switch it back to the timer?"),
    (39, 11, STAFF, "Great to hear, Pat. Keep it running around the clock until Tyler's follow-up visit on Thursday; "
                    "he will put it back on the 8-hour schedule. Tips on keeping it clear: https://example.com/pool-care"),
    (38, 17, CUSTOMER, "Thank you, Tyler was here today and it is crystal clear. We'll be in the pool all weekend!"),
    (2, 10, STAFF, "Hi Pat, a reminder that the filter cartridges are due for their next clean in about two weeks. Reply here to book it."),
)


async def seed_demo(tenant: Tenant, services, today: date) -> int:
    """Add the demo conversation where it fits (Sunny Pools); returns the messages added."""
    if tenant.slug != "sunny-pools":
        return 0
    account = await CustomerAccount.filter(number=DEMO_ACCOUNT).first()
    job = await Job.get_or_none(account_id=account.id, title=DEMO_JOB) if account else None
    owner = await StaffUser.filter(role="owner").order_by("id").first()
    if job is None or owner is None or await Thread.exists(job_id=job.id):
        return 0
    thread = await Thread.create(account_id=account.id, job_id=job.id)
    zone = ZoneInfo(tenant.timezone)
    added = 0
    for days_ago, hour, kind, text in CONVERSATION:
        if kind == CUSTOMER:
            message, _ = await post_message(services, thread, author_kind=CUSTOMER, body=text, email=DEMO_EMAIL, name="Pat Morgan")
        else:
            message, _ = await post_message(
                services, thread, author_kind=STAFF, body=text, email=owner.email, name=owner.name, staff=owner
            )
        when = datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=zone).astimezone(timezone.utc)
        await Message.filter(id=message.id).update(created_at=when)
        await Thread.filter(id=thread.id).update(last_message_at=when)
        added += 1
    # Staff read up to Pat's question; Pat's thank-you waits for them.
    await Thread.filter(id=thread.id).update(staff_read=1)
    return added
