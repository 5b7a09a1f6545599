"""Helpers of the service-request tests: the form as a browser sends it, pages, photos."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.web.rendering import tenant_today
from core.web.security import CSRF_FIELD

FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
REQUEST_LINK = re.compile(r"/jobs/requests/(req_[\w-]+)")


def picture(kind: str = "PNG", size: tuple[int, int] = (80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 144, 255)).save(out, format=kind)
    return out.getvalue()


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return await response.get_data(as_text=True)


async def form_key(client) -> str:
    match = FORM_KEY.search(await page(client, "/jobs/requests/new"))
    assert match, "the form has no form key"
    return match.group(1)


def in_days(tenant, days: int) -> str:
    return (tenant_today(tenant) + timedelta(days=days)).isoformat()


async def send_request(client, form: dict, photos: list[tuple[str, bytes, str]] = ()):
    """POST the Request service form as multipart, with ``photos`` (name, bytes, declared type)."""
    data = MultiDict({CSRF_FIELD: await client.csrf(), **form})
    for name, content, declared in photos:
        data.add("photos", FileStorage(io.BytesIO(content), filename=name, content_type=declared))
    boundary, body = encode_multipart(data)
    return await client.post("/jobs/requests/new", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


async def new_request(client, tenant, what: str = "Green water after the storm", photos=(), **form):
    """Fill in and send the form; returns the response (a redirect to the request)."""
    values = {"form_key": await form_key(client), "what": what, "address": "12 Palm Street", "date_1": in_days(tenant, 2), **form}
    return await send_request(client, values, list(photos))


def request_id_of(response) -> str:
    match = REQUEST_LINK.search(response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)
