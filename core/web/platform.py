"""The bare base domain: a small page about the platform, no tenant data."""

from __future__ import annotations

from quart import render_template


async def platform_page() -> str:
    return await render_template("platform/index.html")
