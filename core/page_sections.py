"""Plugins' sections at the end of core's pages (``porchside_page_sections``), loaded and drawn.

The portal (:func:`core.portal.contributions.portal_sections`) and the
console (:func:`core.console.actions.console_sections`) pick the sections a
viewer gets (plugin enabled, portal section or console permission); this
module calls each one's ``load`` and renders its template, each step
isolated (:func:`core.plugins.run_isolated`): a section that fails is logged
with its plugin's name and left out, never the page. A page whose sections
no plugin declares costs nothing: no call, no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from quart import render_template, url_for

from core.plugins import Declared, run_isolated
from core.services import current_services


@dataclass(frozen=True)
class RenderedSection:
    """A section ready for ``_page_sections.html``: its heading, its HTML and its stylesheets' URLs."""

    id: str
    title: str
    html: Markup
    stylesheets: tuple[str, ...] = ()


def declared_for(page: str) -> list[Declared]:
    """The sections declared for ``page`` (one of :data:`core.records.PAGE_SECTION_PAGES`), in order."""
    return [item for item in current_services().plugins.declared.page_sections if item.record.page == page]


async def render_sections(shown: list[Declared], obj: Any, viewer: Any) -> list[RenderedSection]:
    """Load and render sections already checked for the viewer; those that load nothing or fail are left out."""
    rendered = []
    for item in shown:
        section = item.record
        ok, context = await run_isolated(item.plugin, f"load of page section {section.id!r}", section.load, obj, viewer)
        if not ok or context is None:
            continue
        ok, html = await run_isolated(
            item.plugin, f"template of page section {section.id!r} ({section.template})",
            lambda: render_template(section.template, **context),
        )
        if not ok:
            continue
        sheets = tuple(url_for("plugin_static.serve", name=sheet.partition("/")[0], filename=sheet.partition("/")[2]) for sheet in section.stylesheets)
        rendered.append(RenderedSection(section.id, section.title, Markup(html), sheets))
    return rendered

