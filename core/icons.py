"""The portal's icon set: one SVG sprite, ``core/static/icons.svg``, with the names tabs may use.

A :class:`core.records.NavTab` names its icon (``icon="receipt"``); the
host refuses an unknown name at start-up, and templates draw one with the
``icon`` macro of ``_icons.html``::

    {% from "_icons.html" import icon %}
    {{ icon(item.icon) }}

which refers to the sprite's ``<symbol id="icon-<name>">`` (no inline SVG
markup per page, nothing the CSP would block). The names are listed in
docs/plugins.md ("Icons").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SPRITE = Path(__file__).parent / "static" / "icons.svg"
_SYMBOL = re.compile(r'<symbol id="icon-([a-z0-9-]+)"')


@lru_cache(maxsize=1)
def icon_names() -> tuple[str, ...]:
    """The names of the set, in the sprite's order."""
    return tuple(_SYMBOL.findall(SPRITE.read_text()))
