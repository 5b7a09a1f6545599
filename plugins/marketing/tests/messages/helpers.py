"""Helpers of the message tests: jobs, the form as a browser sends it, reading an event stream."""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import dataclass

from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.models.jobs import Job
from core.web.security import CSRF_FIELD
from tenants.context import use_tenant

FORM_KEY = re.compile(r'name="key" value="([^"]+)"')


async def make_job(tenant, account, title: str = "Pump repair", number: str = "J-100") -> Job:
    with use_tenant(tenant):
        return await Job.create(account=account, number=number, title=title, status="scheduled")


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 144, 255)).save(out, format=kind)
    return out.getvalue()


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return await response.get_data(as_text=True)


async def form_key(client, path: str) -> str:
    match = FORM_KEY.search(await page(client, path))
    assert match, f"no message form on {path}"
    return match.group(1)


async def send(client, path: str, body: str, *, key: str | None = None, pictures: list[tuple[str, bytes]] = (), expect: int = 302):
    """Post the message form of ``path`` (its page gives the one-time key) as a browser would."""
    key = key or await form_key(client, path)
    data = MultiDict({"body": body, "key": key, CSRF_FIELD: await client.csrf()})
    for name, content in pictures:
        data.add("pictures", FileStorage(io.BytesIO(content), filename=name, content_type="application/octet-stream"))
    boundary, payload = encode_multipart(data)
    response = await client.post(path, data=payload, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == expect, (path, response.status_code, (await response.get_data(as_text=True))[:500])
    return response


@dataclass
class Event:
    id: int
    data: dict


class EventReader:
    """An open ``text/event-stream`` response of a Quart test client, read event by event."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.buffer = ""
        self.comments: list[str] = []
        self.retry: int | None = None

    async def next(self, timeout: float = 10.0) -> Event:
        while True:
            if "\n\n" in self.buffer:
                raw, self.buffer = self.buffer.split("\n\n", 1)
                fields: dict[str, str] = {}
                for line in raw.split("\n"):
                    if line.startswith(":"):
                        self.comments.append(line)
                        continue
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
                if "retry" in fields:
                    self.retry = int(fields["retry"])
                if "data" in fields:
                    return Event(int(fields.get("id", "0")), json.loads(fields["data"]))
                continue
            chunk = await asyncio.wait_for(self.connection.receive(), timeout)
            self.buffer += chunk.decode()

    async def nothing_within(self, seconds: float) -> bool:
        try:
            event = await self.next(seconds)
        except asyncio.TimeoutError:
            return True
        raise AssertionError(f"unexpected event {event}")


class open_stream:
    """``async with open_stream(client, path, last_id) as events:`` -> an :class:`EventReader`."""

    def __init__(self, client, path: str, last_event_id: int | None = None) -> None:
        self.client = client
        self.path = path
        self.headers = {"Host": client.host, "Accept": "text/event-stream"}
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = str(last_event_id)

    async def __aenter__(self) -> EventReader:
        self._cm = self.client.client.request(self.path, headers=self.headers)
        self.connection = await self._cm.__aenter__()
        await self.connection.send_complete()
        self.reader = EventReader(self.connection)
        return self.reader

    async def __aexit__(self, *exc) -> None:
        await self.connection.disconnect()
        try:
            await self._cm.__aexit__(*exc)
        except Exception:
            pass


async def post_pairs(client, path: str, pairs: list[tuple[str, str]]):
    """POST a form whose fields repeat (checkboxes), with a valid CSRF token."""
    from urllib.parse import urlencode

    body = urlencode([*pairs, (CSRF_FIELD, await client.csrf())])
    return await client.post(path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
