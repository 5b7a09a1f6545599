"""What happens on a job, as API resources: ``visits`` (with photos), ``notes`` and ``attachments``.

Each names its job by id. ``shared`` decides whether the customer sees a
note or a file in the portal. Files arrive as ``multipart/form-data``
(``POST /api/v1/visits/<id>/photos``) and are checked exactly as the
console checks them (:mod:`core.console.uploads`): real PNG, JPEG or WebP
pictures of a sane size, the type taken from the bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field
from quart import request

from core.api.errors import ApiError
from core.api.fields import ExternalId, PublicId, text
from core.api.references import public_ids, referenced
from core.api.resources import ApiContext, ApiModel, ApiResource, Filter, ResourceAction, apply_changes, fields_set
from core.console.uploads import MAX_FILES_AT_ONCE, UploadError, discard_files, read_attachment, read_photos, store
from core.i18n import lazy_gettext
from core.models.jobs import Attachment, Job, Note, Visit

Summary = text(300)
LongText = text(20000)
Name = text(200)
Caption = text(300)


async def _job_ids(rows: list[Any]) -> dict[int, str]:
    return await public_ids(Job, {row.job_id for row in rows})


async def _job(public_id: str) -> Job:
    return await referenced(Job, public_id, "job", "job")


# -- visits -----------------------------------------------------------------------


class PhotoRef(ApiModel):
    id: str = Field(description="The attachment's id (see attachments).")
    filename: str
    content_type: str
    size: int
    shared: bool


class VisitOut(ApiModel):
    """One trip to the service address, with its photos."""

    id: str = Field(description="Public id, starts with vis_.")
    object: Literal["visit"] = "visit"
    job: str
    scheduled_at: datetime | None
    completed_at: datetime | None
    technician_name: str
    technician_notes: str
    summary: str
    photos: list[PhotoRef]
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class VisitCreate(ApiModel):
    job: PublicId
    scheduled_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    technician_name: Name = ""  # type: ignore[valid-type]
    technician_notes: LongText = ""  # type: ignore[valid-type]
    summary: Summary = ""  # type: ignore[valid-type]
    external_id: ExternalId | None = None


class VisitUpdate(ApiModel):
    job: PublicId = None  # type: ignore[assignment]
    scheduled_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    technician_name: Name = None  # type: ignore[valid-type,assignment]
    technician_notes: LongText = None  # type: ignore[valid-type,assignment]
    summary: Summary = None  # type: ignore[valid-type,assignment]
    external_id: ExternalId | None = None


async def prepare_visits(rows: list[Visit]) -> None:
    jobs = await _job_ids(rows)
    photos: dict[int, list[Attachment]] = {row.id: [] for row in rows}
    for photo in await Attachment.filter(visit_id__in=list(photos)).order_by("created_at", "id"):
        photos[photo.visit_id].append(photo)
    for row in rows:
        row._api_job = jobs.get(row.job_id, "")  # type: ignore[attr-defined]
        row._api_photos = [  # type: ignore[attr-defined]
            {"id": p.public_id, "filename": p.filename, "content_type": p.content_type, "size": p.size, "shared": p.shared}
            for p in photos[row.id]
        ]


def serialize_visit(row: Visit) -> dict[str, Any]:
    return {
        "id": row.public_id, "job": row._api_job, "scheduled_at": row.scheduled_at, "completed_at": row.completed_at,  # type: ignore[attr-defined]
        "technician_name": row.technician_name, "technician_notes": row.technician_notes, "summary": row.summary,
        "photos": row._api_photos, "external_id": row.external_id,  # type: ignore[attr-defined]
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def create_visit(ctx: ApiContext, data: VisitCreate) -> Visit:
    job = await _job(data.job)
    return await Visit.create(job=job, **data.model_dump(exclude={"job"}))


async def update_with_job(row: Any, data: Any) -> Any:
    """Apply the fields sent (``job`` by id); save only if something changed."""
    values = fields_set(data, exclude=("job",))
    if "job" in data.model_fields_set and data.job is not None:
        values["job_id"] = (await _job(data.job)).id
    if apply_changes(row, values):
        await row.save()
    return row


async def update_visit(ctx: ApiContext, row: Visit, data: VisitUpdate | VisitCreate) -> Visit:
    return await update_with_job(row, data)


async def delete_visit(ctx: ApiContext, row: Visit) -> None:
    """Remove the visit and its photos, files included."""
    photos = list(await Attachment.filter(visit_id=row.id))
    await row.delete()
    await discard_files(photos)


async def add_photos(ctx: ApiContext, row: Visit, data: None) -> Visit:
    """Store the ``photos`` parts of a multipart body; one bad file refuses them all, naming it."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Send the photos as multipart/form-data, one 'photos' part per file.", param="Content-Type")
    try:
        photos = await read_photos("photos")
    except UploadError as exc:
        raise ApiError(422, "validation_failed", str(exc), param="photos") from None
    form = await request.form
    shared = form.get("shared", "false")
    if shared not in ("true", "false"):
        raise ApiError(422, "validation_failed", "shared must be true or false.", param="shared")
    for photo in photos:
        await store(photo, kind="photo", shared=shared == "true", visit=row)
    await row.save()  # the visit changed: its photos are part of it
    return row


async def add_attachment(ctx: ApiContext, row: Job, data: None) -> Job:
    """Store the one ``file`` part of a multipart body as an attachment of the job (type from its bytes)."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data in a 'file' part.", param="Content-Type")
    try:
        upload = await read_attachment("file")
    except UploadError as exc:
        raise ApiError(422, "validation_failed", str(exc), param="file") from None
    form = await request.form
    shared = form.get("shared", "false")
    if shared not in ("true", "false"):
        raise ApiError(422, "validation_failed", "shared must be true or false.", param="shared")
    await store(upload, kind="attachment", shared=shared == "true", job=row)
    return row


ATTACHMENT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "Any file up to 20 MB; its type is read from its bytes."},
        "shared": {"type": "string", "enum": ["true", "false"], "description": "Whether the customer sees it (default false)."},
    },
}

PHOTOS_FORM = {
    "type": "object",
    "required": ["photos"],
    "properties": {
        "photos": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": MAX_FILES_AT_ONCE, "description": "PNG, JPEG or WebP pictures."},
        "shared": {"type": "string", "enum": ["true", "false"], "description": "Whether the customer sees them (default false)."},
    },
}

VISITS = ApiResource(
    name="visits",
    object="visit",
    model=Visit,
    schema=VisitOut,
    serialize=serialize_visit,
    prepare=prepare_visits,
    create_schema=VisitCreate,
    create=create_visit,
    update_schema=VisitUpdate,
    update=update_visit,
    delete=delete_visit,
    filters=(Filter("job", "job__public_id", description="Visits of this job."),),
    actions=(ResourceAction("photos", add_photos, description="Add photos (multipart/form-data)", multipart=PHOTOS_FORM),),
    title=lazy_gettext("Visits"),
    description=lazy_gettext("Visits to a job's address: what the technician did and saw, with photos."),
    order=40,
)


# -- notes ------------------------------------------------------------------------


class NoteOut(ApiModel):
    """A note on a job; the customer sees it in the portal when shared."""

    id: str = Field(description="Public id, starts with note_.")
    object: Literal["note"] = "note"
    job: str
    body: str
    author_name: str
    shared: bool
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class NoteCreate(ApiModel):
    job: PublicId
    body: text(20000, required=True)  # type: ignore[valid-type]
    author_name: Name = ""  # type: ignore[valid-type]
    shared: bool = False
    external_id: ExternalId | None = None


class NoteUpdate(ApiModel):
    job: PublicId = None  # type: ignore[assignment]
    body: text(20000, required=True) = None  # type: ignore[valid-type,assignment]
    author_name: Name = None  # type: ignore[valid-type,assignment]
    shared: bool = None  # type: ignore[assignment]
    external_id: ExternalId | None = None


async def prepare_with_job(rows: list[Any]) -> None:
    jobs = await _job_ids(rows)
    for row in rows:
        row._api_job = jobs.get(row.job_id)  # type: ignore[attr-defined]


def serialize_note(row: Note) -> dict[str, Any]:
    return {
        "id": row.public_id, "job": row._api_job, "body": row.body, "author_name": row.author_name,  # type: ignore[attr-defined]
        "shared": row.shared, "external_id": row.external_id, "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def create_note(ctx: ApiContext, data: NoteCreate) -> Note:
    job = await _job(data.job)
    return await Note.create(job=job, **data.model_dump(exclude={"job"}))


async def update_note(ctx: ApiContext, row: Note, data: NoteUpdate | NoteCreate) -> Note:
    return await update_with_job(row, data)


async def delete_note(ctx: ApiContext, row: Note) -> None:
    await row.delete()


NOTES = ApiResource(
    name="notes",
    object="note",
    model=Note,
    schema=NoteOut,
    serialize=serialize_note,
    prepare=prepare_with_job,
    create_schema=NoteCreate,
    create=create_note,
    update_schema=NoteUpdate,
    update=update_note,
    delete=delete_note,
    filters=(
        Filter("job", "job__public_id", description="Notes of this job."),
        Filter("shared", "shared", kind="boolean", description="true: notes the customer sees."),
    ),
    title=lazy_gettext("Notes"),
    description=lazy_gettext("Notes on jobs. shared=true shows one to the customer in the portal."),
    order=50,
)


# -- attachments ------------------------------------------------------------------


class AttachmentOut(ApiModel):
    """A stored file: a job attachment or a visit photo (the bytes are not served by the API)."""

    id: str = Field(description="Public id, starts with file_.")
    object: Literal["attachment"] = "attachment"
    job: str | None
    visit: str | None
    kind: Literal["attachment", "photo"]
    filename: str
    content_type: str
    size: int
    shared: bool
    caption: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime | None


class AttachmentUpdate(ApiModel):
    shared: bool = None  # type: ignore[assignment]
    caption: Caption = None  # type: ignore[valid-type,assignment]
    external_id: ExternalId | None = None


async def prepare_attachments(rows: list[Attachment]) -> None:
    jobs = await _job_ids(rows)
    visits = await public_ids(Visit, {row.visit_id for row in rows})
    for row in rows:
        row._api_job = jobs.get(row.job_id)  # type: ignore[attr-defined]
        row._api_visit = visits.get(row.visit_id)  # type: ignore[attr-defined]


def serialize_attachment(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.public_id, "job": row._api_job, "visit": row._api_visit, "kind": row.kind,  # type: ignore[attr-defined]
        "filename": row.filename, "content_type": row.content_type, "size": row.size, "shared": row.shared,
        "caption": row.caption, "external_id": row.external_id, "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def update_attachment(ctx: ApiContext, row: Attachment, data: AttachmentUpdate) -> Attachment:
    if apply_changes(row, fields_set(data)):
        await row.save()
    return row


async def delete_attachment(ctx: ApiContext, row: Attachment) -> None:
    await row.delete()
    await discard_files([row])


ATTACHMENTS = ApiResource(
    name="attachments",
    object="attachment",
    model=Attachment,
    schema=AttachmentOut,
    serialize=serialize_attachment,
    prepare=prepare_attachments,
    update_schema=AttachmentUpdate,
    update=update_attachment,
    delete=delete_attachment,
    filters=(
        Filter("job", "job__public_id", description="Files attached to this job."),
        Filter("visit", "visit__public_id", description="Photos of this visit."),
        Filter("kind", "kind", description="attachment or photo."),
        Filter("shared", "shared", kind="boolean", description="true: files the customer sees."),
    ),
    title=lazy_gettext("Files"),
    description=lazy_gettext("Files on jobs and visit photos: share them with the customer or remove them. Upload with POST /api/v1/jobs/<id>/attachments or /api/v1/visits/<id>/photos."),
    order=60,
)
