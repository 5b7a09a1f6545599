"""A pseudo-language that shows at a glance which texts are not translated.

Every letter of a marked text is accented and the text is lengthened by about a
third (as German and French run longer than English), while ``%(name)s``
placeholders, HTML tags and entities are kept. A page rendered in it that
still shows a plain English word, or that overflows a phone's width, has a
text nobody marked or a layout that will break in a real translation
(``tests/test_i18n_pseudo.py``). It is built from the catalogs' message ids,
so a marked text missing from the catalogs stays English and is caught too.
"""

from __future__ import annotations

import functools
import re

from babel.messages.catalog import Catalog
from babel.support import Translations

PSEUDO_LANGUAGE = "xx"

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķłɱñóƥʠŕšţúʋŵẋýžÁƁÇĐÉƑĜĤÍĴĶŁṀÑÓƤǪŔŠŢÚṼŴẊÝŽ",
)
# Kept as they are: %(name)s and %d placeholders, %%, tags and entities.
_KEEP = re.compile(r"%(?:\([a-zA-Z_][a-zA-Z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|<[^>]*>|&[#a-zA-Z0-9]+;")


def pseudo(text: str) -> str:
    """``text`` accented and lengthened by a third, placeholders kept."""
    if not text:
        return text
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(text[last : match.start()].translate(_ACCENTED))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].translate(_ACCENTED))
    letters = sum(ch.isalpha() for ch in text)
    padding = "~" * max(1, letters // 3) if letters else ""
    return "".join(out) + padding


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
            if not message.id or message.id in catalog:
                continue
            if message.pluralizable:
                catalog.add(message.id, tuple(pseudo(form) for form in message.id), context=message.context)
            else:
                catalog.add(message.id, pseudo(message.id), context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
