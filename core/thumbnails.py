"""Thumbnails of photos (D3): made once with Pillow, stored beside the original.

The first request for a photo's thumbnail draws it (in a worker thread, so
the event loop keeps serving), stores it through the tenant's storage and
records its key in ``Attachment.thumbnail_key``; later requests read the
stored file. Anything Pillow cannot read, or a picture so large that
decoding it would be an attack (a "decompression bomb"), has no thumbnail
and the page shows a plain link instead.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from pathlib import PurePosixPath

from PIL import Image, ImageOps, UnidentifiedImageError

from core.models.jobs import Attachment
from core.storage import Storage, StorageError

THUMBNAIL_BOX = (320, 320)  # twice the gallery's 160 px tiles, for sharp screens
THUMBNAIL_TYPE = "image/jpeg"
JPEG_QUALITY = 80
# 40 megapixels: more than any phone camera; refused before decoding.
MAX_PIXELS = 40_000_000
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"})


class NoThumbnail(ValueError):
    """These bytes cannot be turned into a thumbnail."""


def has_thumbnail(attachment: Attachment) -> bool:
    """Whether a thumbnail can be made: a raster image type Pillow reads."""
    return (attachment.content_type or "").lower() in IMAGE_TYPES


def render_thumbnail(data: bytes) -> bytes:
    """A JPEG fitting :data:`THUMBNAIL_BOX`, upright (EXIF orientation applied),
    transparency flattened onto white.

    :raises NoThumbnail: unreadable data, or more than :data:`MAX_PIXELS`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NoThumbnail(f"{image.width}x{image.height} is too large to decode")
                image.draft("RGB", THUMBNAIL_BOX)  # JPEG: decode at a reduced scale
                picture = ImageOps.exif_transpose(image)
                picture.thumbnail(THUMBNAIL_BOX)
                if picture.mode in ("RGBA", "LA", "P"):
                    picture = picture.convert("RGBA")
                    flat = Image.new("RGB", picture.size, (255, 255, 255))
                    flat.paste(picture, mask=picture.getchannel("A"))
                    picture = flat
                elif picture.mode != "RGB":
                    picture = picture.convert("RGB")
                out = io.BytesIO()
                picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
                return out.getvalue()
    except NoThumbnail:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NoThumbnail(str(exc)) from exc


def _thumbnail_name(filename: str) -> str:
    return f"{PurePosixPath(filename).stem or 'photo'}-thumb.jpg"


async def thumbnail_of(attachment: Attachment, storage: Storage) -> bytes | None:
    """The thumbnail's bytes, made and stored on first use; None if there can be none.

    Two first requests at once may both draw it; only one key is recorded
    (a conditional update) and the other copy is deleted.
    """
    if not has_thumbnail(attachment):
        return None
    if attachment.thumbnail_key:
        try:
            return await storage.read(attachment.thumbnail_key)
        except StorageError:
            pass  # lost from storage: make it again
    try:
        original = await storage.read(attachment.storage_key)
        data = await asyncio.to_thread(render_thumbnail, original)
    except (StorageError, NoThumbnail):
        return None
    key = await storage.save(data, _thumbnail_name(attachment.filename))
    unchanged = (
        Attachment.filter(id=attachment.id, thumbnail_key=attachment.thumbnail_key)
        if attachment.thumbnail_key
        else Attachment.filter(id=attachment.id, thumbnail_key__isnull=True)
    )
    if await unchanged.update(thumbnail_key=key):
        attachment.thumbnail_key = key
    else:
        await storage.delete(key)  # another request recorded its copy first
    return data
