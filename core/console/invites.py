"""Send portal invites from the customers list (S5, Skimmer steps 8-10).

Pick customers (some, or all that match a search) -> a confirm page says
how many addresses will get the invite, which contacts are skipped for
having none, and shows the message -> "Send" stores a batch and returns at
once -> a progress page follows the background job
(``console_invites.js`` polls :func:`progress`) and lists each address's
result. How sending stays exactly-once is in :mod:`core.console.invite_batches`.

The confirm form carries a one-time token (the batch's idempotency key) and
a fingerprint of the invite text shown: if someone edits the invite email
before "Send", the page asks to review the new text instead of sending it.
"""

from __future__ import annotations

import re
import secrets

from quart import Blueprint, abort, g, jsonify, redirect, request, url_for
from tortoise.queryset import QuerySet
from werkzeug.datastructures import MultiDict

from core.console.access import can, staff_required
from core.console.customers import SEARCH_MAX, customer_query
from core.console.invite_batches import (
    Recipient,
    STATUS_LABELS,
    batch_counts,
    create_batch,
    recipients_for,
    reason_text,
    resume_batch,
    text_fingerprint,
)
from core.console.invite_email import SAMPLE_CUSTOMER, history_subject, invite_text, saved_text
from core.console.shell import notice, render_console
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models.customers import CustomerAccount
from core.models.invites import RECIPIENT_STATUSES, InviteBatch, InviteRecipient
from core.portal.pagination import choice_arg, paginate
from core.services import current_services

blueprint = Blueprint("invites", __name__, url_prefix="/customers/invites")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Accounts a "selected" form may name; "all matching" has no limit.
MAX_SELECTED = 500
SHOWN_ON_CONFIRM = 50
NOTICES = {"resumed": lazy_gettext("Sending resumed.")}


class Selection:
    """The customers a form picked: ``scope=all`` with the search, or the ticked accounts."""

    def __init__(self, values: MultiDict) -> None:
        self.scope = "all" if values.get("scope") == "all" else "selected"
        self.q = " ".join(values.get("q", "").split())[:SEARCH_MAX]
        self.archived = values.get("archived") == "1"
        # Public ids are at most 40 characters; anything longer names no account.
        self.account_ids = [v for v in values.getlist("account") if v and len(v) <= 40][:MAX_SELECTED]

    def accounts(self) -> QuerySet[CustomerAccount]:
        # Archived accounts' people cannot sign in: they are never invited.
        if self.scope == "all":
            return customer_query(self.q, self.archived).filter(archived=False)
        return CustomerAccount.filter(public_id__in=self.account_ids, archived=False)

    @property
    def empty(self) -> bool:
        return self.scope == "selected" and not self.account_ids


async def _confirm_page(selection: Selection, status: int = 200, problem: str | None = None):
    tenant = g.tenant
    recipients: list[Recipient] = [] if selection.empty else await recipients_for(selection.accounts())
    addressed = [r for r in recipients if r.email]
    subject, body = saved_text(tenant)
    words = await invite_text(current_services(), tenant, addressed[0].name if addressed and addressed[0].name else SAMPLE_CUSTOMER)
    page = await render_console(
        "console/customers/invite_confirm.html",
        selection=selection,
        accounts=await selection.accounts().count() if not selection.empty else 0,
        addressed=addressed,
        shown=addressed[:SHOWN_ON_CONFIRM],
        without_email=[r for r in recipients if not r.email],
        words=words,
        batch_token=secrets.token_urlsafe(24),
        text_hash=text_fingerprint(subject, body),
        problem=problem,
        may_edit_text=can("settings"),
    )
    return page, status


@blueprint.get("/new")
@staff_required("invites")
async def confirm():
    selection = Selection(request.args)
    if selection.empty:
        return await _confirm_page(selection, 400, _("Choose at least one customer on the list, then “Send portal invite”."))
    return await _confirm_page(selection)


@blueprint.post("/")
@staff_required("invites")
async def send():
    form = await request.form
    token = form.get("batch_token", "")
    if not TOKEN_RE.match(token):
        abort(400)
    existing = await InviteBatch.get_or_none(idempotency_key=token)
    if existing is not None:  # the same form again: show the batch it made
        return redirect(url_for("console.invites.batch", batch_id=existing.public_id))
    selection = Selection(form)
    subject, body = saved_text(g.tenant)
    if form.get("text_hash", "") != text_fingerprint(subject, body):
        return await _confirm_page(selection, 409, _("The invite email was changed since this page opened. Review the new message below, then send."))
    recipients = [] if selection.empty else await recipients_for(selection.accounts())
    if not any(r.email for r in recipients):
        return await _confirm_page(selection, 400, _("None of these customers has a contact with an email address: nobody can be invited."))
    batch, _created = await create_batch(
        current_services(),
        idempotency_key=token,
        created_by=g.staff.email,
        subject=subject,
        body=body,
        recipients=recipients,
    )
    return redirect(url_for("console.invites.batch", batch_id=batch.public_id))


async def _batch_or_404(batch_id: str) -> InviteBatch:
    batch = await InviteBatch.get_or_none(public_id=batch_id)
    if batch is None:
        abort(404)
    return batch


def _progress(batch: InviteBatch, counts: dict[str, int]) -> dict:
    return {
        "status": batch.status,
        "finished": batch.finished,
        "total": batch.total,
        "waiting": counts["pending"] + counts["sending"],
        "sent": counts["sent"],
        "skipped": counts["skipped"],
        "failed": counts["failed"],
    }


@blueprint.get("/<batch_id>", endpoint="batch")
@staff_required("invites")
async def show_batch(batch_id: str):
    batch = await _batch_or_404(batch_id)
    shown = choice_arg("status", RECIPIENT_STATUSES)
    rows = InviteRecipient.filter(batch_id=batch.id)
    if shown:
        rows = rows.filter(status=shown)
    page = await paginate(rows.order_by("id"), per_page=100)
    return await render_console(
        "console/customers/invite_batch.html",
        batch=batch,
        subject=history_subject(g.tenant, batch.subject),
        progress=_progress(batch, await batch_counts(batch)),
        page=page,
        shown=shown,
        labels=STATUS_LABELS,
        reason_text=reason_text,
        notice=notice(NOTICES),
    )


@blueprint.get("/<batch_id>/progress")
@staff_required("invites")
async def progress(batch_id: str):
    """JSON for the progress page's script: counts by result and whether the batch is done."""
    batch = await _batch_or_404(batch_id)
    response = jsonify(_progress(batch, await batch_counts(batch)))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/<batch_id>/resume")
@staff_required("invites")
async def resume(batch_id: str):
    """Queue the rest of a batch whose job was lost (a restart of the in-process queue)."""
    batch = await _batch_or_404(batch_id)
    await resume_batch(current_services(), batch)
    return redirect(url_for("console.invites.batch", batch_id=batch.public_id, done="resumed"))


@blueprint.get("/")
@staff_required("invites")
async def index():
    page = await paginate(InviteBatch.all().order_by("-created_at", "-id"), per_page=25)
    return await render_console("console/customers/invite_history.html", page=page)
