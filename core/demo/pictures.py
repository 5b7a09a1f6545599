"""Drawn stand-ins for visit photos and attached documents.

The demo ships no binary files: each photo is a simple scene drawn with
Pillow (a pool, an equipment pad, a water heater...) with its caption on a
banner, and each PDF is a one-page document drawn the same way. Drawings are
seeded by their caption, so the same data gives the same bytes every time.
"""

from __future__ import annotations

import functools
import io
import random
import textwrap
from typing import Callable

from PIL import Image, ImageDraw, ImageFont

from core.branding import darken_until_readable

PHOTO_SIZE = (960, 720)
PAGE_SIZE = (850, 1100)  # US Letter at 100 dpi

Scene = Callable[[ImageDraw.ImageDraw, random.Random], None]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _water(draw: ImageDraw.ImageDraw, rnd: random.Random, colour: tuple[int, int, int], specks: bool) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(214, 196, 160))  # deck
    left, top, right, bottom = 90, 80, w - 90, h - 150
    draw.rectangle((left - 14, top - 14, right + 14, bottom + 14), fill=(236, 232, 222))  # coping
    for y in range(top, bottom):
        shade = (y - top) / (bottom - top)
        draw.line((left, y, right, y), fill=tuple(int(c * (1 - 0.35 * shade)) for c in colour))
    for x in range(left, right, 24):  # tile band
        draw.rectangle((x, top, x + 22, top + 18), fill=(30, 80, 140))
    for _ in range(14):  # light ripples
        x, y = rnd.randint(left + 20, right - 120), rnd.randint(top + 40, bottom - 20)
        draw.arc((x, y, x + rnd.randint(60, 140), y + 24), 200, 340, fill=(235, 245, 255), width=3)
    if specks:
        for _ in range(260):
            x, y = rnd.randint(left, right), rnd.randint(top + 20, bottom)
            draw.ellipse((x, y, x + 5, y + 5), fill=(40, 70, 25))
    draw.rectangle((right - 150, bottom - 90, right, bottom), outline=(240, 240, 240), width=4)  # steps
    draw.rectangle((right - 150, bottom - 45, right, bottom), outline=(240, 240, 240), width=4)


def _pool(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _water(draw, rnd, (60, 170, 225), specks=False)


def _green_pool(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    _water(draw, rnd, (95, 140, 60), specks=True)


def _pipe(draw: ImageDraw.ImageDraw, points: list[tuple[int, int]], colour: tuple[int, int, int], width: int) -> None:
    draw.line(points, fill=colour, width=width, joint="curve")
    for x, y in points[1:-1]:
        r = width // 2 + 6
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(max(c - 30, 0) for c in colour))


def _equipment(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(200, 190, 175))  # stucco wall
    draw.rectangle((0, 430, w, h), fill=(150, 150, 148))  # concrete pad
    filter_x = rnd.randint(560, 640)
    draw.rounded_rectangle((filter_x, 150, filter_x + 170, 470), radius=60, fill=(235, 235, 230), outline=(90, 90, 90), width=3)
    draw.ellipse((filter_x + 60, 120, filter_x + 110, 160), fill=(60, 60, 60))  # pressure gauge
    draw.rounded_rectangle((150, 330, 330, 450), radius=40, fill=(70, 90, 120))  # motor
    draw.rounded_rectangle((320, 320, 470, 460), radius=20, fill=(30, 30, 35))  # pump housing
    _pipe(draw, [(470, 390), (filter_x, 390)], (245, 245, 245), 26)
    _pipe(draw, [(395, 320), (395, 220), (filter_x, 220)], (245, 245, 245), 26)
    _pipe(draw, [(filter_x + 170, 300), (w, 300)], (245, 245, 245), 26)


def _heater(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(205, 200, 190))
    draw.rectangle((0, 500, w, h), fill=(150, 150, 148))
    draw.rectangle((250, 120, 710, 520), fill=(225, 225, 220), outline=(80, 80, 80), width=4)
    for y in range(150, 300, 18):  # vents
        draw.line((290, y, 670, y), fill=(120, 120, 120), width=6)
    draw.rectangle((300, 340, 420, 420), fill=(40, 40, 45))  # control panel
    draw.text((318, 362), f"{rnd.randint(78, 104)}°F", font=_font(30), fill=(120, 230, 120))
    flame = [(560, 470), (520, 400), (555, 420), (560, 340), (600, 410), (620, 380), (610, 470)]
    draw.polygon(flame, fill=(245, 140, 30))


def _water_heater(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(215, 210, 200))
    draw.rectangle((0, 560, w, h), fill=(130, 125, 120))
    left = rnd.randint(330, 380)
    draw.rounded_rectangle((left, 140, left + 260, 580), radius=30, fill=(240, 240, 238), outline=(100, 100, 100), width=4)
    draw.rectangle((left + 70, 260, left + 190, 330), fill=(30, 90, 160))  # rating label
    _pipe(draw, [(left + 70, 140), (left + 70, 40), (left + 70, 0)], (184, 115, 51), 20)
    _pipe(draw, [(left + 190, 140), (left + 190, 60), (w, 60)], (184, 115, 51), 20)
    draw.rectangle((left + 100, 470, left + 160, 520), fill=(60, 60, 60))  # gas valve


def _pipes(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(226, 220, 205))
    for y in range(0, h, 90):  # studs
        draw.line((0, y, w, y), fill=(210, 200, 185), width=2)
    copper, pex = (184, 115, 51), (200, 40, 40)
    drop = rnd.randint(380, 460)
    _pipe(draw, [(0, 200), (drop, 200), (drop, h)], copper, 22)
    _pipe(draw, [(0, 340), (620, 340), (620, 120), (w, 120)], pex, 18)
    draw.rectangle((595, 380, 645, 430), fill=(40, 40, 40))  # shut-off valve
    draw.ellipse((580, 365, 660, 395), fill=(210, 30, 30))


def _leak(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(120, 85, 55))  # inside a sink cabinet
    draw.rectangle((0, 560, w, h), fill=(160, 130, 100))
    trap = [(420, 0), (420, 300), (480, 360), (560, 300), (560, 250), (w, 250)]
    _pipe(draw, trap, (235, 235, 235), 30)
    for _ in range(9):
        x, y = rnd.randint(460, 520), rnd.randint(380, 540)
        draw.ellipse((x, y, x + 12, y + 20), fill=(120, 180, 230))
    draw.ellipse((360, 560, 620, 620), fill=(90, 140, 190))  # puddle


def _drain(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(15, 15, 15))
    cx, cy = w // 2, h // 2 - 40
    for i, r in enumerate(range(320, 20, -40)):  # pipe receding into the dark
        tone = 110 - i * 12
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(tone, tone - 10, tone - 25), width=10)
    for _ in range(rnd.randint(5, 9)):  # roots or grease strands
        x, y = cx + rnd.randint(-200, 200), cy + rnd.randint(-200, 200)
        draw.line((x, y, x + rnd.randint(-90, 90), y + rnd.randint(40, 140)), fill=(150, 110, 60), width=5)
    draw.text((30, 30), f"{rnd.randint(12, 60)} ft", font=_font(34), fill=(255, 255, 0))


def _backflow(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = PHOTO_SIZE
    draw.rectangle((0, 0, w, h), fill=(120, 160, 90))  # landscaping
    draw.rectangle((0, 470, w, h), fill=(160, 140, 110))
    brass = (190, 150, 60)
    _pipe(draw, [(0, 330), (w, 330)], brass, 44)
    for x in (260, 640):  # shut-off valves
        draw.rectangle((x - 20, 250, x + 20, 300), fill=(40, 90, 200))
    draw.rounded_rectangle((370, 270, 530, 400), radius=24, fill=brass, outline=(120, 90, 30), width=4)
    draw.ellipse((400, 90, 500, 190), fill=(250, 250, 250), outline=(40, 40, 40), width=5)  # test kit gauge
    angle = rnd.randint(0, 60)
    draw.line((450, 140, 450 + (angle - 30), 105), fill=(200, 0, 0), width=4)
    draw.line((450, 190, 450, 270), fill=(30, 30, 30), width=5)


SCENES: dict[str, Scene] = {
    "pool": _pool,
    "green_pool": _green_pool,
    "equipment": _equipment,
    "heater": _heater,
    "water_heater": _water_heater,
    "pipes": _pipes,
    "leak": _leak,
    "drain": _drain,
    "backflow": _backflow,
}


# Drawings are deterministic, so a process that seeds twice (the tests) draws once.
@functools.lru_cache(maxsize=64)
def draw_photo(subject: str, caption: str) -> bytes:
    """A JPEG of ``subject`` (a key of :data:`SCENES`) with ``caption`` on a banner."""
    image = Image.new("RGB", PHOTO_SIZE)
    draw = ImageDraw.Draw(image)
    SCENES[subject](draw, random.Random(f"{subject}:{caption}"))
    w, h = PHOTO_SIZE
    draw.rectangle((0, h - 70, w, h), fill=(20, 20, 20))
    draw.text((24, h - 52), caption, font=_font(30), fill=(255, 255, 255))
    out = io.BytesIO()
    # No optimize pass: it saves a few percent of a demo photo's size for
    # twice the encoding's CPU, paid by every demo start.
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def draw_document(business: str, title: str, lines: tuple[str, ...], colour: str) -> bytes:
    """A one-page PDF: the business's name on a coloured band, a title and the lines."""
    page = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(page)
    w, h = PAGE_SIZE
    # The band takes the brand colour, darkened until white text on it is readable.
    draw.rectangle((0, 0, w, 110), fill=darken_until_readable(colour.lower()))
    draw.text((50, 36), business, font=_font(36), fill="white")
    draw.text((50, 160), title, font=_font(40), fill=(20, 20, 20))
    draw.line((50, 220, w - 50, 220), fill=(180, 180, 180), width=2)
    y = 250
    body = _font(24)
    for line in lines:
        for part in textwrap.wrap(line, 62) or [""]:
            draw.text((50, y), part, font=body, fill=(40, 40, 40))
            y += 36
        y += 8
    draw.text((50, h - 70), f"{business} · generated for the Porchside demo", font=_font(18), fill=(120, 120, 120))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=100.0, title=title, author=business)
    return out.getvalue()
