"""Visits of a job and their photos (W3, D3).

A visit is one trip: when it was scheduled and completed (typed in the
business's time zone), who went, a one-line summary and the technician's
notes, all of which customers read in their service history. Photos are
uploaded several at once (:func:`core.console.uploads.read_photos` checks
each is a real PNG, JPEG or WebP picture); they are shared with the
customer unless staff untick the box, and each can be hidden or removed
later (:mod:`core.console.notes` has the per-file switches). Plugins add
buttons (``porchside_console_actions``, target ``visit``) and sections
(``porchside_page_sections``, page ``console_visit``) to a visit's page.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, g, request, url_for

from core.audit import record
from core.console.actions import console_buttons, console_sections
from core.console.forms import object_or_404, with_done
from core.console.access import staff_required
from core.console.form_fields import FormReader, datetime_input
from core.console.jobs import actor, job_or_404, job_page
from core.console.shell import notice, render_console
from core.i18n import gettext as _, lazy_gettext
from core.console.uploads import UploadError, discard_files, read_photos, store
from core.models.jobs import Attachment, Job, Visit
from core.thumbnails import has_thumbnail

blueprint = Blueprint("visits", __name__)

NOTICES = {
    "created": lazy_gettext("Visit added."),
    "saved": lazy_gettext("Visit saved."),
    "photos_added": lazy_gettext("Photos added."),
    "file_shared": lazy_gettext("The photo is now shared with the customer."),
    "file_hidden": lazy_gettext("The photo is no longer shared with the customer."),
    "file_deleted": lazy_gettext("Photo removed."),
}


async def visit_or_404(visit_id: str) -> Visit:
    return await object_or_404(Visit, visit_id, "job__account")


def visit_page(visit: Visit, done: str):
    return with_done(url_for("console.visits.edit", visit_id=visit.public_id), done)


def _read_visit(reader: FormReader) -> dict[str, Any]:
    return {
        "scheduled_at": reader.local_datetime("scheduled_at", _("The scheduled time")),
        "completed_at": reader.local_datetime("completed_at", _("The completion time")),
        "technician_name": reader.text("technician_name", _("Technician"), max_length=200),
        "summary": reader.text("summary", _("Summary"), max_length=300),
        "technician_notes": reader.text("technician_notes", _("Technician's notes"), max_length=20000, multiline=True),
    }


async def _page(job: Job, visit: Visit | None, values: dict[str, str], errors: dict[str, str], status: int = 200):
    photos = list(await Attachment.filter(visit_id=visit.id).order_by("created_at", "id")) if visit else []
    body = await render_console(
        "console/jobs/visit.html",
        job=job,
        account=job.account,
        visit=visit,
        photos=photos,
        values=values,
        errors=errors,
        notice=notice(NOTICES),
        has_thumbnail=has_thumbnail,
        actions=await console_buttons("visit", visit) if visit else [],
        sections=await console_sections("console_visit", visit) if visit else [],
    )
    return body, status


@blueprint.route("/jobs/<job_id>/visits/new", methods=["GET", "POST"])
@staff_required("back_office")
async def new(job_id: str):
    job = await job_or_404(job_id)
    if request.method == "GET":
        return await _page(job, None, {"technician_name": job.technician_name}, {})
    reader = FormReader(await request.form, g.tenant)
    fields = _read_visit(reader)
    if reader.errors:
        return await _page(job, None, reader.values, reader.errors, 400)
    visit = await Visit.create(job=job, **fields)
    await record("visit.created", actor_type="staff", actor=actor(), target=visit.public_id, job=job.public_id)
    return visit_page(visit, "created")


@blueprint.route("/visits/<visit_id>", methods=["GET", "POST"])
@staff_required("back_office")
async def edit(visit_id: str):
    visit = await visit_or_404(visit_id)
    if request.method == "GET":
        tenant = g.tenant
        values = {
            "scheduled_at": datetime_input(visit.scheduled_at, tenant),
            "completed_at": datetime_input(visit.completed_at, tenant),
            "technician_name": visit.technician_name,
            "summary": visit.summary,
            "technician_notes": visit.technician_notes,
        }
        return await _page(visit.job, visit, values, {})
    reader = FormReader(await request.form, g.tenant)
    fields = _read_visit(reader)
    if reader.errors:
        return await _page(visit.job, visit, reader.values, reader.errors, 400)
    changed = sorted(name for name, value in fields.items() if getattr(visit, name) != value)
    for name, value in fields.items():
        setattr(visit, name, value)
    await visit.save(update_fields=list(fields))
    await record("visit.updated", actor_type="staff", actor=actor(), target=visit.public_id, changed=changed)
    return visit_page(visit, "saved")


@blueprint.post("/visits/<visit_id>/photos")
@staff_required("back_office")
async def upload(visit_id: str):
    """Several photos at once; one bad file refuses them all, naming it."""
    visit = await visit_or_404(visit_id)
    form = await request.form
    try:
        photos = await read_photos("photos")
    except UploadError as exc:
        return await _page(visit.job, visit, {}, {"photos": str(exc)}, 400)
    shared = form.get("shared") == "on"
    stored = [await store(photo, kind="photo", shared=shared, visit=visit) for photo in photos]
    await record(
        "visit.photos_added", actor_type="staff", actor=actor(), target=visit.public_id,
        files=[a.public_id for a in stored], shared=shared,
    )
    return visit_page(visit, "photos_added")


@blueprint.post("/visits/<visit_id>/delete")
@staff_required("back_office")
async def delete(visit_id: str):
    """Remove a visit with its photos, files included."""
    visit = await visit_or_404(visit_id)
    photos = list(await Attachment.filter(visit_id=visit.id))
    await visit.delete()
    await discard_files(photos)
    await record("visit.deleted", actor_type="staff", actor=actor(), target=visit.public_id, job=visit.job.public_id, photos=len(photos))
    return job_page(visit.job, "visit_deleted", "visits")
