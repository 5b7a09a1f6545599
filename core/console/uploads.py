"""Files staff upload: visit photos and job attachments, checked before they are stored.

The browser's name and type are never trusted. A photo must be a PNG, JPEG
or WebP picture that Pillow opens and verifies, of a sane size in bytes and
pixels. Any other attachment is accepted up to a size limit, but its type
comes from its first bytes (a PDF, a picture, an office document, UTF-8
text); anything unrecognised is stored as ``application/octet-stream``, so
no upload is ever served back as HTML, SVG or script. The stored name keeps
what the person will recognise (the original name, without folders or
control characters); the storage key uses a safe copy of it
(:func:`core.storage.safe_filename`).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError
from quart import request
from werkzeug.datastructures import FileStorage

from core.i18n import gettext as _
from core.i18n import ngettext
from core.models.jobs import Attachment, Job, Visit
from core.services import current_services
from core.thumbnails import MAX_PIXELS

MB = 1024 * 1024
MAX_PHOTO_BYTES = 15 * MB
MAX_ATTACHMENT_BYTES = 20 * MB
MAX_FILES_AT_ONCE = 20
NAME_MAX = 255

PHOTO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# Pictures an attachment may also be (shown inline and as thumbnails).
PICTURE_TYPES = {**PHOTO_TYPES, "GIF": "image/gif"}
ZIP_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OLE_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
TEXT_TYPES = {".txt": "text/plain", ".csv": "text/csv"}
OCTET = "application/octet-stream"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadError(ValueError):
    """An upload was refused; the message says which file and why."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def display_name(raw: str | None) -> str:
    """The name people see: the last path part, no control characters, at most 255 characters."""
    name = _CONTROL.sub("", PurePosixPath((raw or "").replace("\\", "/")).name).strip() or "file"
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_MAX - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:NAME_MAX]
    return name


def _read(file: FileStorage, limit: int) -> bytes:
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(_("“%(name)s” is larger than %(size)d MB.", name=display_name(file.filename), size=limit // MB))
    if not data:
        raise UploadError(_("“%(name)s” is empty.", name=display_name(file.filename)))
    return data


def picture_format(data: bytes) -> str | None:
    """Pillow's format name for a picture it can open and verify (within the pixel cap), else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                kind = image.format
                image.verify()
                return kind
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


def sniff_type(data: bytes, filename: str) -> str:
    """The content type of an attachment, from its bytes (see module doc)."""
    ext = PurePosixPath(filename.lower()).suffix
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    kind = picture_format(data)
    if kind in PICTURE_TYPES:
        return PICTURE_TYPES[kind]
    if data.startswith(b"PK\x03\x04"):
        return ZIP_TYPES.get(ext, "application/zip")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and ext in OLE_TYPES:
        return OLE_TYPES[ext]
    if ext in TEXT_TYPES and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return OCTET
        return TEXT_TYPES[ext]
    return OCTET


async def _chosen(field: str) -> list[FileStorage]:
    files = await request.files
    return [f for f in files.getlist(field) if f.filename]


async def read_photos(field: str = "photos") -> list[Upload]:
    """Every photo of a multiple file field, all valid, or :class:`UploadError`."""
    chosen = await _chosen(field)
    if not chosen:
        raise UploadError(_("Choose one or more photos."))
    if len(chosen) > MAX_FILES_AT_ONCE:
        raise UploadError(ngettext("Upload at most %(num)d photo at once.", "Upload at most %(num)d photos at once.", MAX_FILES_AT_ONCE))
    photos = []
    for file in chosen:
        data = _read(file, MAX_PHOTO_BYTES)
        kind = picture_format(data)
        if kind not in PHOTO_TYPES:
            raise UploadError(_("“%(name)s” is not a PNG, JPEG or WebP picture.", name=display_name(file.filename)))
        photos.append(Upload(display_name(file.filename), PHOTO_TYPES[kind], data))
    return photos


async def read_attachment(field: str = "file") -> Upload:
    """The one file of ``field``, or :class:`UploadError`."""
    chosen = await _chosen(field)
    if not chosen:
        raise UploadError(_("Choose a file."))
    file = chosen[0]
    data = _read(file, MAX_ATTACHMENT_BYTES)
    name = display_name(file.filename)
    return Upload(name, sniff_type(data, name), data)


async def store(upload: Upload, *, kind: str, shared: bool, job: Job | None = None, visit: Visit | None = None) -> Attachment:
    """Save the bytes in the tenant's storage and record the :class:`Attachment`."""
    storage = current_services().storage
    key = await storage.save(upload.data, upload.filename)
    try:
        return await Attachment.create(
            job=job,
            visit=visit,
            kind=kind,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            storage_key=key,
            shared=shared,
        )
    except Exception:
        await storage.delete(key)  # no row points at it: do not keep the bytes
        raise


async def discard_files(attachments: list[Attachment]) -> None:
    """Delete the stored bytes (and thumbnails) of attachments whose rows are gone."""
    storage = current_services().storage
    for attachment in attachments:
        for key in (attachment.storage_key, attachment.thumbnail_key):
            if key:
                await storage.delete(key)
