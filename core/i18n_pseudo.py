"""A pseudo-language that shows at a glance which texts are not translated.

Every letter of a marked text is accented and each of its words is lengthened
by a third (as German and French run longer than English), while ``%(name)s``
placeholders, HTML tags and entities are kept. A page rendered in it that
still shows a plain English word, or that overflows a phone's width, has a
text nobody marked or a layout that will break in a real translation
(``tests/browser/test_pseudo_language.py``). It is built from the catalogs' message ids,
so a marked text missing from the catalogs stays English and is caught too.
"""

from __future__ import annotations

import functools
import re

from babel.messages.catalog import Catalog

from core.i18n import INLINE_TAGS
from babel.support import Translations

PSEUDO_LANGUAGE = "xx"
_enabled = False


def enable(on: bool) -> None:
    """Offer the pseudo-language in this process (``PORCHSIDE_PSEUDO_LANGUAGE``)."""
    global _enabled
    _enabled = bool(on)


def requested(accept_languages) -> bool:
    """Whether the pseudo-language is on and the browser's ``Accept-Language`` asks for it first."""
    if not _enabled:
        return False
    first = next(iter(accept_languages.values()), None)
    return first == PSEUDO_LANGUAGE

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķłɱñóƥʠŕšţúʋŵẋýžÁƁÇĐÉƑĜĤÍĴĶŁṀÑÓƤǪŔŠŢÚṼŴẊÝŽ",
)
# Kept as they are: %(name)s and %d placeholders, %%, {name} placeholders (the
# invite email's, filled in by name), tags and entities.
_LETTERS = re.compile(r"[A-Za-z]+")
_KEEP = re.compile(
    r"%(?:\([a-zA-Z_][a-zA-Z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[a-z_]+\}"
    rf"|</?(?:{'|'.join(INLINE_TAGS)})\b[^<>]*>|&[#a-zA-Z0-9]+;"
)


def _lengthen(text: str) -> str:
    """Accent every letter and make each word a third longer (as translations run longer)."""
    return _LETTERS.sub(lambda m: m.group(0).translate(_ACCENTED) + "~" * (len(m.group(0)) // 3), text)


def pseudo(text: str) -> str:
    """``text`` accented and each word lengthened by a third, placeholders and tags kept."""
    if not text:
        return text
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(_lengthen(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_lengthen(text[last:]))
    return "".join(out)


@functools.lru_cache(maxsize=1)
def pseudo_translations() -> Translations:
    """Every text of every catalog (core's and plugins'), in the pseudo-language."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from core.i18n import DOMAIN, catalog_dirs

    catalog = Catalog(locale="en", domain=DOMAIN)
    for folder in catalog_dirs():
        template = next(iter(sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))), None)
        if template is None:
            continue
        with template.open("rb") as fp:
            source = read_po(fp)
        for message in source:
            # The same text in another context (pgettext) is a message of its own.
            if not message.id or catalog.get(message.id, context=message.context) is not None:
                continue
            if message.pluralizable:
                catalog.add(message.id, tuple(pseudo(form) for form in message.id), context=message.context)
            else:
                catalog.add(message.id, pseudo(message.id), context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
