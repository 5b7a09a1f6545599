"""Notes and attachments of a job, with "Share this with the customer in the portal" (D1, D2).

A note or an attachment reaches the portal only when its share box is
ticked; staff tick it when adding it or switch it later, and every switch is
audited. Job attachments are any file up to a size limit, typed by their
content (:mod:`core.console.uploads`); visit photos are attachments too, so
the share switch, removal and staff downloads here serve both. Staff read
every file of their business, shared or not, through these routes; the
portal's own routes (:mod:`core.portal.documents`) serve customers only
what is shared.
"""

from __future__ import annotations

from quart import Blueprint, Response, abort, g, redirect, request, url_for

from core.audit import record
from core.console.forms import object_or_404
from core.console.access import staff_required
from core.console.form_fields import FormReader
from core.console.jobs import actor, detail_page, job_or_404, job_page
from core.console.uploads import UploadError, discard_files, read_attachment, store
from core.i18n import gettext as _
from core.models.jobs import Attachment, Note
from core.portal.documents import file_response
from core.services import current_services
from core.storage import StorageError
from core.thumbnails import THUMBNAIL_TYPE, thumbnail_of

blueprint = Blueprint("notes", __name__)

NOTE_MAX = 10000


async def _note_or_404(note_id: str) -> Note:
    return await object_or_404(Note, note_id, "job")


async def _file_or_404(file_id: str) -> Attachment:
    return await object_or_404(Attachment, file_id, "job", "visit")


def _back_to(attachment: Attachment, done: str):
    """A photo's page is its visit's; any other file's is its job's."""
    if attachment.visit_id is not None:
        return redirect(url_for("console.visits.edit", visit_id=attachment.visit.public_id, done=done) + "#photos")
    if attachment.job_id is not None:
        return job_page(attachment.job, done, "files")
    return redirect(url_for("console.jobs.index"))


# -- notes --------------------------------------------------------------------


@blueprint.post("/jobs/<job_id>/notes")
@staff_required("back_office")
async def add_note(job_id: str):
    job = await job_or_404(job_id)
    reader = FormReader(await request.form, g.tenant)
    body = reader.text("body", _("The note"), max_length=NOTE_MAX, required=True, multiline=True)
    if reader.errors:
        return await detail_page(job, errors=reader.errors, status=400)
    note = await Note.create(job=job, body=body, author_name=g.staff.name, shared=reader.checkbox("shared"))
    await record("note.created", actor_type="staff", actor=actor(), target=note.public_id, job=job.public_id, shared=note.shared)
    return job_page(job, "note_added", "notes")


@blueprint.post("/notes/<note_id>/share")
@staff_required("back_office")
async def share_note(note_id: str):
    """``shared=on`` shows the note in the portal; anything else hides it."""
    note = await _note_or_404(note_id)
    shared = (await request.form).get("shared") == "on"
    if note.shared != shared:
        note.shared = shared
        await note.save(update_fields=["shared"])
        await record("note.shared" if shared else "note.unshared", actor_type="staff", actor=actor(), target=note.public_id, job=note.job.public_id)
    return job_page(note.job, "note_shared" if shared else "note_hidden", "notes")


@blueprint.post("/notes/<note_id>/delete")
@staff_required("back_office")
async def delete_note(note_id: str):
    note = await _note_or_404(note_id)
    await note.delete()
    await record("note.deleted", actor_type="staff", actor=actor(), target=note.public_id, job=note.job.public_id)
    return job_page(note.job, "note_deleted", "notes")


# -- attachments ----------------------------------------------------------------


@blueprint.post("/jobs/<job_id>/files")
@staff_required("back_office")
async def add_file(job_id: str):
    job = await job_or_404(job_id)
    form = await request.form
    try:
        upload = await read_attachment("file")
    except UploadError as exc:
        return await detail_page(job, errors={"file": str(exc)}, status=400)
    attachment = await store(upload, kind="attachment", shared=form.get("shared") == "on", job=job)
    await record(
        "attachment.created", actor_type="staff", actor=actor(), target=attachment.public_id, job=job.public_id,
        filename=attachment.filename, content_type=attachment.content_type, shared=attachment.shared,
    )
    return job_page(job, "file_added", "files")


@blueprint.post("/files/<file_id>/share")
@staff_required("back_office")
async def share_file(file_id: str):
    """``shared=on`` shows the file (or photo) in the portal; anything else hides it."""
    attachment = await _file_or_404(file_id)
    shared = (await request.form).get("shared") == "on"
    if attachment.shared != shared:
        attachment.shared = shared
        await attachment.save(update_fields=["shared"])
        action = "attachment.shared" if shared else "attachment.unshared"
        await record(action, actor_type="staff", actor=actor(), target=attachment.public_id, kind=attachment.kind)
    return _back_to(attachment, "file_shared" if shared else "file_hidden")


@blueprint.post("/files/<file_id>/delete")
@staff_required("back_office")
async def delete_file(file_id: str):
    attachment = await _file_or_404(file_id)
    await attachment.delete()
    await discard_files([attachment])
    await record("attachment.deleted", actor_type="staff", actor=actor(), target=attachment.public_id, filename=attachment.filename, kind=attachment.kind)
    return _back_to(attachment, "file_deleted")


@blueprint.get("/files/<file_id>")
@staff_required("back_office")
async def download(file_id: str):
    attachment = await _file_or_404(file_id)
    try:
        data = await current_services().storage.read(attachment.storage_key)
    except StorageError:
        abort(404)
    return file_response(data, attachment.content_type, attachment.filename, download=request.args.get("download") == "1")


@blueprint.get("/files/<file_id>/thumb")
@staff_required("back_office")
async def thumbnail(file_id: str):
    attachment = await _file_or_404(file_id)
    data = await thumbnail_of(attachment, current_services().storage)
    if data is None:
        abort(404)
    response = Response(data, content_type=THUMBNAIL_TYPE)
    response.headers["Cache-Control"] = "private, no-store"
    return response
