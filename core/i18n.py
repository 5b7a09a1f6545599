"""Translations: the reader's language and the catalogs that hold its texts.

Every text a customer or staff member reads is marked for translation:

* in templates, ``{{ _("Invoices") }}``, ``{{ _("Hello %(name)s", name=contact.name) }}``,
  ``{{ ngettext("%(num)d invoice", "%(num)d invoices", count) }}``,
  ``{{ pgettext("verb", "Pay") }}`` or ``{% trans %}...{% endtrans %}``;
* in Python, :func:`gettext` (imported as ``_``), :func:`ngettext`,
  :func:`pgettext` and, for texts defined at import time, :func:`lazy_gettext`.

Marked texts are always ``%``-format strings (as Jinja's "new style" gettext
does), so a literal percent sign is written ``%%``.

The language is per reader, not per process: :func:`language` sets it for
a block (an email to one recipient, a PDF) and the request hooks set it for a
page (:mod:`core.web.languages`). Catalogs are gettext ``.po`` files in
``core/translations/<lang>/LC_MESSAGES/messages.po``; plugins add theirs with
the ``porchside_translation_dirs`` hook. A catalog is read from its compiled
``.mo`` when that is newer than the ``.po`` (``pybabel compile``, done when a
wheel or image is built) and compiled in memory otherwise.
"""

from __future__ import annotations

import functools
import io
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

#: Languages whose catalogs ship with Porchside (English is the source).
SHIPPED_LANGUAGES = ("en", "es", "fr")
#: Each language named in itself, as a switcher shows it.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}
SOURCE_LANGUAGE = "en"
#: The HTML tags a marked text may hold (links, emphasis); translations keep them.
INLINE_TAGS = ("a", "abbr", "b", "br", "code", "em", "i", "kbd", "p", "small", "span", "strong", "time")
DOMAIN = "messages"
CORE_CATALOGS = Path(__file__).parent / "translations"

_current: ContextVar[str] = ContextVar("porchside_language", default=SOURCE_LANGUAGE)
_catalog_dirs: list[Path] = [CORE_CATALOGS]
_lock = threading.Lock()


def current_language() -> str:
    """The language of whoever reads what is being made now."""
    return _current.get()


def set_language(code: str | None) -> None:
    """Make ``code`` the language for the rest of this task (a request)."""
    _current.set(code or SOURCE_LANGUAGE)


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """Write in ``code`` inside the block (an email, a PDF), then go back."""
    token = _current.set(code or SOURCE_LANGUAGE)
    try:
        yield current_language()
    finally:
        _current.reset(token)


def add_catalog_dir(path: str | Path) -> None:
    """Add a plugin's folder of catalogs (``<lang>/LC_MESSAGES/messages.po``).

    Core's texts win over a plugin's of the same text; a plugin's catalogs
    are read for the texts core does not have.
    """
    path = Path(path)
    with _lock:
        if path not in _catalog_dirs:
            _catalog_dirs.append(path)
            translations.cache_clear()


def catalog_dirs() -> tuple[Path, ...]:
    return tuple(_catalog_dirs)


def _read_catalog(folder: Path, code: str) -> Translations | None:
    base = folder / code / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        return None
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=code, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@functools.lru_cache(maxsize=16)
def translations(code: str) -> NullTranslations:
    """Core's catalog of ``code`` with every plugin's behind it, read once per process."""
    if code == SOURCE_LANGUAGE:
        return NullTranslations()
    from core import i18n_pseudo

    if code == i18n_pseudo.PSEUDO_LANGUAGE:
        return i18n_pseudo.pseudo_translations()
    result: NullTranslations | None = None
    for folder in catalog_dirs():
        found = _read_catalog(folder, code)
        if found is None:
            continue
        if result is None:
            result = found
        else:
            result.add_fallback(found)
    return result or NullTranslations()


# -- translating: raw lookups (Jinja formats them itself) ------------------------


def _raw_gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def _raw_ngettext(singular: str, plural: str, num: int) -> str:
    return translations(current_language()).ngettext(singular, plural, num)


def _raw_pgettext(context: str, message: str) -> str:
    return translations(current_language()).pgettext(context, message)


def _raw_npgettext(context: str, singular: str, plural: str, num: int) -> str:
    return translations(current_language()).npgettext(context, singular, plural, num)


# -- translating in Python ---------------------------------------------------


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the reader's language, with ``%(name)s`` filled from ``variables``."""
    return _raw_gettext(message) % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The form of ``singular``/``plural`` the language uses for ``num``; ``%(num)d`` is ``num``."""
    variables.setdefault("num", num)
    return _raw_ngettext(singular, plural, num) % variables


def pgettext(context: str, message: str, **variables: Any) -> str:
    """``message`` as meant in ``context`` ("verb", "invoice status"...)."""
    return _raw_pgettext(context, message) % variables


def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _raw_npgettext(context, singular, plural, num) % variables


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A text translated when it is used, for labels defined at import time."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def lazy_pgettext(context: str, message: str, **variables: Any) -> LazyProxy:
    return LazyProxy(pgettext, context, message, enable_cache=False, **variables)


def install_gettext(env) -> None:
    """Give a Jinja environment ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``{% trans %}``."""
    env.add_extension("jinja2.ext.i18n")
    # {% trans %} blocks are one line of text whatever their line breaks.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(
        _raw_gettext, _raw_ngettext, newstyle=True, pgettext=_raw_pgettext, npgettext=_raw_npgettext
    )
    env.globals["current_language"] = current_language


# -- whose language, and formats ----------------------------------------------


def business_language(tenant: Any) -> str:
    """The business's default language: the language part of ``Tenant.locale``."""
    locale = (getattr(tenant, "locale", None) or "en_US").replace("-", "_")
    code = locale.split("_", 1)[0].lower()
    return code if code in SHIPPED_LANGUAGES else SOURCE_LANGUAGE


def enabled_languages(tenant: Any) -> tuple[str, ...]:
    """The languages the business offers in its portal (``portal_settings["languages"]``,
    default every shipped one), always with its default language."""
    chosen = None
    if tenant is not None and isinstance(getattr(tenant, "portal_settings", None), dict):
        chosen = tenant.portal_settings.get("languages")
    codes = [code for code in (chosen or SHIPPED_LANGUAGES) if code in SHIPPED_LANGUAGES]
    default = business_language(tenant)
    if default not in codes:
        codes.insert(0, default)
    return tuple(code for code in SHIPPED_LANGUAGES if code in codes)


def known_language(code: str | None) -> str | None:
    """``code`` if it is a shipped language, else None (a saved preference that no longer ships)."""
    return code if code in SHIPPED_LANGUAGES else None


@functools.lru_cache(maxsize=64)
def _locale_for(language_code: str, business_locale: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        business = Locale.parse(business_locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        business = Locale.parse("en_US")
    if language_code == business.language or language_code not in SHIPPED_LANGUAGES:
        return str(business)
    if business.territory:
        try:
            return str(Locale.parse(f"{language_code}_{business.territory}"))
        except (UnknownLocaleError, ValueError):
            pass
    return language_code


def format_locale(tenant: Any) -> str:
    """The locale money and dates are written in: the reader's language with the
    business's territory (``es`` reading an ``en_US`` business: ``es_US``), or the
    bare language where babel has no such locale (``fr`` for ``en_US``)."""
    business_locale = (getattr(tenant, "locale", None) or "en_US") if tenant is not None else "en_US"
    reader = _current.get(None)
    if reader is None:
        # Nobody's language was set (a task, a script): the business's own locale.
        return _locale_for(business_locale.replace("-", "_").split("_", 1)[0], business_locale)
    return _locale_for(reader, business_locale)
