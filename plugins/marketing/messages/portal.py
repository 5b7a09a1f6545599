"""Messages in the customer portal (M1, M2): the list, a thread, posting, the live stream.

Every route is scoped to the signed-in account: a job of another account,
another account's thread or picture, or anything of another tenant is a 404
like something that does not exist. A job's thread is at
``/jobs/<job_id>/messages`` (the job page's Messages tab); a conversation
staff started without a job is at ``/messages/<thread_id>``. Opening a
thread marks the business's messages read (not while staff view the portal
as the customer, read-only).
"""

from __future__ import annotations

from quart import Blueprint, abort, g, redirect, render_template, request, url_for

from core.audit import record
from core.auth.current import login_required
from core.i18n import gettext as _
from core.contacts import contact_name
from core.models.jobs import Job
from core.portal.pagination import paginate
from core.portal.views import render_portal
from core.portal.work import account_job_or_404
from core.services import current_services
from plugins.marketing.messages import live
from plugins.marketing.messages.models import CUSTOMER, MessageFile, Thread
from plugins.marketing.messages.notify import RECEIVED, announce_message
from plugins.marketing.messages.threads import (
    BODY_MAX,
    MAX_PICTURES,
    customer_threads,
    linkify,
    mark_read,
    messages_of,
    new_form_key,
    picture_response,
    post_message,
    read_message_form,
    thread_for_job,
)

blueprint = Blueprint("marketing_messages", __name__)
# No portal_section: the routes follow the "marketing" section, like the tabs.
blueprint.add_app_template_filter(linkify, "marketing_linkify")


async def _thread_or_404(thread_id: str) -> Thread:
    thread = await customer_threads(g.portal.account.id).filter(public_id=thread_id).select_related("job").first()
    if thread is None:
        abort(404)
    return thread


def _urls(thread: Thread, job: Job | None) -> dict[str, str]:
    if job is not None:
        return {
            "post_url": url_for("marketing_messages.job_post", job_id=job.public_id),
            "stream_url": url_for("marketing_messages.job_stream", job_id=job.public_id),
        }
    return {
        "post_url": url_for("marketing_messages.reply", thread_id=thread.public_id),
        "stream_url": url_for("marketing_messages.stream", thread_id=thread.public_id),
    }


def message_renderer():
    """The customer's HTML of one message; usable after the request (the stream) too."""
    portal, tenant = g.portal, g.tenant

    async def render(message) -> str:
        return await render_template(
            "marketing/messages/_message.html",
            message=message, viewer=CUSTOMER, file_endpoint="marketing_messages.file", portal=portal, tenant=tenant,
        )

    return render


async def _page(thread: Thread, job: Job | None, *, values: dict | None = None, errors: dict | None = None, status: int = 200):
    portal = g.portal
    if not portal.read_only and status == 200:
        await mark_read(thread, CUSTOMER, unless_read=True)
    title = _("Messages about job %(number)s", number=job.number) if job is not None else (thread.subject or _("Messages"))
    body = await render_portal(
        "marketing/messages/thread.html",
        title=title,
        thread=thread,
        job=job,
        messages=await messages_of(thread),
        viewer=CUSTOMER,
        file_endpoint="marketing_messages.file",
        values=values or {},
        errors=errors or {},
        form_key=(values or {}).get("key") or new_form_key(),
        body_max=BODY_MAX,
        max_pictures=MAX_PICTURES,
        notice=_("Your message was sent.") if request.args.get("done") == "sent" else None,
        **_urls(thread, job),
    )
    return body, status


@blueprint.get("/messages", endpoint="index")
@login_required
async def index():
    query = customer_threads(g.portal.account.id).filter(last_seq__gt=0).select_related("job").order_by("-last_message_at", "-id")
    page = await paginate(query)
    return await render_portal("marketing/messages/list.html", title=_("Messages"), page=page)


@blueprint.get("/jobs/<job_id>/messages", endpoint="job_thread")
@login_required
async def job_thread(job_id: str):
    # The job and its thread in one query; a job without a thread yet gets one.
    thread = await customer_threads(g.portal.account.id).filter(job__public_id=job_id, job__account_id=g.portal.account.id).select_related("job").first()
    if thread is not None:
        return await _page(thread, thread.job)
    job = await account_job_or_404(job_id)
    return await _page(await thread_for_job(job), job)


@blueprint.get("/messages/<thread_id>", endpoint="thread")
@login_required
async def thread_page(thread_id: str):
    thread = await _thread_or_404(thread_id)
    if thread.job is not None:
        return redirect(url_for("marketing_messages.job_thread", job_id=thread.job.public_id))
    return await _page(thread, None)


async def _post(thread: Thread, job: Job | None):
    portal = g.portal
    posted = await read_message_form(await request.form, await request.files)
    if posted.errors:
        return await _page(thread, job, values=posted.values, errors=posted.errors, status=400)
    services = current_services()
    name = await contact_name(thread.account_id, portal.email) or portal.email
    message, created = await post_message(
        services, thread, author_kind=CUSTOMER, body=posted.body, email=portal.email, name=name,
        client_key=posted.key, pictures=posted.pictures,
    )
    if created:
        await record("message.posted", actor_type="customer", actor=portal.email, target=thread.public_id, seq=message.seq)
        await announce_message(RECEIVED, thread, message, f"customer:{portal.email}")
    target = (
        url_for("marketing_messages.job_thread", job_id=job.public_id, done="sent")
        if job is not None
        else url_for("marketing_messages.thread", thread_id=thread.public_id, done="sent")
    )
    return redirect(f"{target}#m-{message.seq}")


@blueprint.post("/jobs/<job_id>/messages", endpoint="job_post")
@login_required
async def job_post(job_id: str):
    job = await account_job_or_404(job_id)
    return await _post(await thread_for_job(job), job)


@blueprint.post("/messages/<thread_id>", endpoint="reply")
@login_required
async def reply(thread_id: str):
    thread = await _thread_or_404(thread_id)
    if thread.job is not None:
        return await _post(thread, thread.job)
    return await _post(thread, None)


def _stream(thread: Thread):
    portal = g.portal

    async def delivered() -> None:
        if not portal.read_only:
            await mark_read(thread, CUSTOMER)

    return live.thread_stream(current_services(), g.tenant, thread, message_renderer(), delivered)


@blueprint.get("/jobs/<job_id>/messages/stream", endpoint="job_stream")
@login_required
async def job_stream(job_id: str):
    job = await account_job_or_404(job_id)
    return _stream(await thread_for_job(job))


@blueprint.get("/messages/<thread_id>/stream", endpoint="stream")
@login_required
async def stream(thread_id: str):
    return _stream(await _thread_or_404(thread_id))


@blueprint.get("/message-files/<file_id>", endpoint="file")
@login_required
async def picture(file_id: str):
    """A picture of a message, only to the account whose thread it is in."""
    row = await MessageFile.filter(public_id=file_id, message__thread__account_id=g.portal.account.id).first()
    return await picture_response(current_services(), row)
