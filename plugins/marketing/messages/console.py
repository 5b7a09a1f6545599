"""Messages in the staff console (M1, M2): the inbox, a thread, replies, new messages.

The blueprint is named ``console_marketing`` (so it stays open while a
tenant's portal is switched off), lives under ``/console/messages`` and
needs the ``customers`` permission: talking with customers is part of
looking after them, which every staff role does.

Read state on the staff side is one marker per thread, shared by the team:
whoever opens a thread (or answers it) has read it for everyone, like a
shared inbox.
"""

from __future__ import annotations

from quart import Blueprint, abort, g, redirect, render_template, request, url_for
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from core.audit import record
from core.console.pages import object_or_404
from core.console.access import load_staff, staff_required, write_staff_cookie
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.models.customers import CustomerAccount
from core.models.jobs import Job
from core.portal.pagination import choice_arg, paginate
from core.services import current_services
from plugins.marketing.messages import live
from plugins.marketing.messages.models import STAFF, MessageFile, Thread
from plugins.marketing.messages.notify import SENT, announce_message
from plugins.marketing.messages.threads import (
    BODY_MAX,
    MAX_PICTURES,
    SUBJECT_MAX,
    check_body,
    clean_body,
    clean_key,
    mark_read,
    messages_of,
    new_form_key,
    picture_response,
    post_message,
    read_message_form,
    thread_for_job,
)

blueprint = Blueprint("console_marketing", __name__, url_prefix="/console/messages")
blueprint.portal_section = None  # type: ignore[attr-defined]
blueprint.before_request(load_staff)
blueprint.after_request(write_staff_cookie)

SHOWS = ("all", "unread")
NOTICES = {"sent": lazy_gettext("Message sent. The customer gets it by email."), "started": lazy_gettext("Message sent.")}
MAX_RECIPIENTS = 200


async def _thread_or_404(thread_id: str) -> Thread:
    return await object_or_404(Thread, thread_id, "account", "job")


def message_renderer():
    """Staff's HTML of one message; usable after the request (the stream) too."""
    tenant = g.tenant

    async def render(message) -> str:
        return await render_template(
            "marketing/messages/_message.html",
            message=message, viewer=STAFF, file_endpoint="console_marketing.file", portal=None, tenant=tenant,
        )

    return render


@blueprint.get("/")
@staff_required("customers")
async def index():
    show = choice_arg("show", SHOWS, "all")
    unread_filter = Q(customer_messages__gt=F("staff_read"))
    threads = Thread.filter(last_seq__gt=0)
    # One aggregate gives the list's length and the unread badge, whatever the number of threads.
    totals = (
        await threads.annotate(
            n=Count("id"),
            n_unread=Count("id", _filter=unread_filter),
            unread=Sum(F("customer_messages") - F("staff_read"), _filter=unread_filter),
        )
        .values("n", "n_unread", "unread")
    )[0]
    query = threads.filter(unread_filter) if show == "unread" else threads
    total = int(totals["n_unread"] or 0) if show == "unread" else int(totals["n"] or 0)
    page = await paginate(query.select_related("account", "job").order_by("-last_message_at", "-id"), total=total)
    unread = int(totals["unread"] or 0)
    return await render_console(
        "marketing/messages/console/inbox.html", page=page, show=show, unread_total=unread, notice=notice(NOTICES)
    )


async def _thread_page(thread: Thread, *, values: dict | None = None, errors: dict | None = None, status: int = 200):
    if status == 200:
        await mark_read(thread, STAFF)
    body = await render_console(
        "marketing/messages/console/thread.html",
        thread=thread,
        job=thread.job,
        messages=await messages_of(thread),
        viewer=STAFF,
        file_endpoint="console_marketing.file",
        values=values or {},
        errors=errors or {},
        form_key=(values or {}).get("key") or new_form_key(),
        body_max=BODY_MAX,
        max_pictures=MAX_PICTURES,
        notice=notice(NOTICES),
        post_url=url_for("console_marketing.reply", thread_id=thread.public_id),
        stream_url=url_for("console_marketing.stream", thread_id=thread.public_id),
    )
    return body, status


@blueprint.get("/<thread_id>")
@staff_required("customers")
async def thread(thread_id: str):
    return await _thread_page(await _thread_or_404(thread_id))


@blueprint.post("/<thread_id>")
@staff_required("customers")
async def reply(thread_id: str):
    thread = await _thread_or_404(thread_id)
    posted = await read_message_form(await request.form, await request.files)
    if posted.errors:
        return await _thread_page(thread, values=posted.values, errors=posted.errors, status=400)
    message, created = await post_message(
        current_services(), thread, author_kind=STAFF, body=posted.body, email=g.staff.email, name=g.staff.name,
        staff=g.staff, client_key=posted.key, pictures=posted.pictures,
    )
    if created:
        await record("message.posted", actor_type="staff", actor=g.staff.email, target=thread.public_id, seq=message.seq)
        await announce_message(SENT, thread, message, f"staff:{g.staff.email}")
    return redirect(url_for("console_marketing.thread", thread_id=thread.public_id, done="sent") + f"#m-{message.seq}")


@blueprint.get("/<thread_id>/stream")
@staff_required("customers")
async def stream(thread_id: str):
    thread = await _thread_or_404(thread_id)

    async def delivered() -> None:
        await mark_read(thread, STAFF)

    return live.thread_stream(current_services(), g.tenant, thread, message_renderer(), delivered)


@blueprint.get("/files/<file_id>")
@staff_required("customers")
async def file(file_id: str):
    return await picture_response(current_services(), await MessageFile.get_or_none(public_id=file_id))


@blueprint.get("/jobs/<job_id>")
@staff_required("customers")
async def for_job(job_id: str):
    """Open the thread of a job (made on first use), e.g. to write to the customer about it."""
    job = await Job.get_or_none(public_id=job_id)
    if job is None:
        abort(404)
    thread = await thread_for_job(job)
    return redirect(url_for("console_marketing.thread", thread_id=thread.public_id))


def compose_for_account(account: CustomerAccount) -> str:
    """The "new message" page with this customer chosen ("Message this customer" on its console page)."""
    return url_for("console_marketing.new", account=account.public_id)


def thread_for_job_url(job: Job) -> str:
    """The job's thread ("Message this customer" on the console's job page)."""
    return url_for("console_marketing.for_job", job_id=job.public_id)


# -- a new message to one or many customers --------------------------------------


async def _new_page(values: dict, errors: dict, chosen: set[str], status: int = 200):
    accounts = await CustomerAccount.filter(archived=False).order_by("name", "id")
    body = await render_console(
        "marketing/messages/console/new.html",
        accounts=accounts,
        chosen=chosen,
        values=values,
        errors=errors,
        form_key=values.get("key") or new_form_key(),
        body_max=BODY_MAX,
        subject_max=SUBJECT_MAX,
    )
    return body, status


@blueprint.get("/new")
@staff_required("customers")
async def new():
    chosen = {request.args["account"]} if request.args.get("account") else set()
    return await _new_page({}, {}, chosen)


@blueprint.post("/new")
@staff_required("customers")
async def start():
    """Start a conversation (no job) with each chosen customer; the same form twice starts nothing more."""
    form = await request.form
    chosen = {value for value in form.getlist("accounts") if value}
    subject = " ".join(str(form.get("subject", "") or "").split())
    body = clean_body(form.get("body"))
    key = clean_key(form.get("key"))
    values = {"subject": subject, "body": body, "key": key or ""}
    errors: dict[str, str] = {}
    accounts = list(await CustomerAccount.filter(public_id__in=list(chosen), archived=False)) if chosen else []
    if not chosen:
        errors["accounts"] = _("Choose at least one customer.")
    elif len(accounts) != len(chosen):
        errors["accounts"] = _("One of the chosen customers no longer exists. Choose again.")
    elif len(accounts) > MAX_RECIPIENTS:
        errors["accounts"] = _("Write to at most %(max)d customers at once.", max=MAX_RECIPIENTS)
    if not subject:
        errors["subject"] = _("Give the message a subject.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Keep the subject under %(max)d characters.", max=SUBJECT_MAX)
    problem = check_body(body, False)
    if problem:
        errors["body"] = _("Write the message.") if not body else problem
    if key is None:
        errors.setdefault("body", _("This form is out of date. Copy your message, reload the page and send it again."))
    if errors:
        return await _new_page(values, errors, chosen, 400)
    services = current_services()
    started = 0
    for account in accounts:
        try:
            async with in_transaction():
                thread = await Thread.create(account_id=account.id, subject=subject, origin_key=key)
        except IntegrityError:  # this form was already sent to this customer
            continue
        thread.account = account
        message, created = await post_message(
            services, thread, author_kind=STAFF, body=body, email=g.staff.email, name=g.staff.name, staff=g.staff, client_key=key
        )
        if created:
            started += 1
            await announce_message(SENT, thread, message, f"staff:{g.staff.email}")
    await record("message.started", actor_type="staff", actor=g.staff.email, accounts=len(accounts), started=started)
    if len(accounts) == 1:
        thread = await Thread.get(account_id=accounts[0].id, origin_key=key)
        return redirect(url_for("console_marketing.thread", thread_id=thread.public_id, done="started"))
    return redirect(url_for("console_marketing.index", done="started"))
