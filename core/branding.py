"""A tenant's brand colour turned into accessible CSS variables."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT = "#0b6e99"
# porchside.css --bg: links in the brand colour sit on it, and it is a touch
# darker than white, so the colour must be readable on it too.
PAGE_BACKGROUND = "#f6f8fa"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darken_until_readable(colour: str, against: str = "#ffffff", ratio: float = 4.5) -> str:
    """Darken ``colour`` until text of it on ``against`` meets WCAG AA."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    current = colour
    while contrast(current, against) < ratio and (r or g or b):
        r, g, b = (int(x * 0.9) for x in (r, g, b))
        current = f"#{r:02x}{g:02x}{b:02x}"
    return current


def brand_stylesheet(colour: str | None) -> str:
    colour = colour if colour and HEX.match(colour) else DEFAULT
    accent = darken_until_readable(colour.lower(), against=PAGE_BACKGROUND)
    on_accent = "#ffffff" if contrast(accent, "#ffffff") >= 4.5 else "#111111"
    return f":root {{ --brand: {accent}; --on-brand: {on_accent}; }}\n"
