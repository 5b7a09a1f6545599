"""Core's translation catalogs: extract, update, check and compile them.

Run from the repository (the texts are found by ``babel.cfg``)::

    python -m core.i18n_catalogs update    # messages.pot and each language's .po follow the code
    python -m core.i18n_catalogs check     # exit 1 on a new, missing, fuzzy or broken text
    python -m core.i18n_catalogs compile   # .po -> .mo (done when a wheel or image is built)

``check`` is what ``tests/test_i18n_catalogs.py`` runs: extraction finds
nothing the catalogs lack, every text of every shipped language is
translated and not fuzzy, and each translation keeps its ``%(name)s``
placeholders and HTML tags. Plugins outside this repository keep their own
catalogs with ``pybabel`` (docs/plugins.md).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from core.i18n import CORE_CATALOGS, DOMAIN, INLINE_TAGS, SHIPPED_LANGUAGES, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
TEMPLATE = CORE_CATALOGS / f"{DOMAIN}.pot"
#: gettext's keywords plus the lazy ones of core.i18n.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
IGNORED_DIRS = {"tests", "scaffold", "build", "node_modules", ".venv", "__pycache__"}
TRANSLATED = tuple(code for code in SHIPPED_LANGUAGES if code != SOURCE_LANGUAGE)

#: gettext's plural rules, two forms each (CLDR's third "many" form of Spanish
#: and French, for round millions, is left out as gettext tools do).
PLURAL_FORMS = {"es": (2, "(n != 1)"), "fr": (2, "(n > 1)")}

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
_TAG = re.compile(rf"</?({'|'.join(INLINE_TAGS)})\b[^>]*>")


def _mapping() -> tuple[list[tuple[str, str]], dict]:
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open() as fp:
        return parse_mapping_cfg(fp, str(MAPPING))


def extract(root: Path = ROOT) -> Catalog:
    """Every marked text under ``root``, as ``pybabel extract -F babel.cfg`` finds it."""
    method_map, options_map = _mapping()
    catalog = Catalog(project="Porchside", domain=DOMAIN, charset="utf-8")

    def keep(path: str) -> bool:
        return not (set(Path(path).parts) & IGNORED_DIRS)

    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True,
        callback=None,
    ):
        if not keep(filename):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(code: str, folder: Path = CORE_CATALOGS) -> Path:
    return folder / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=code, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, include_previous=False)
    path.write_bytes(buffer.getvalue())


def update() -> None:
    """Write ``messages.pot`` from the code and bring each language's catalog up to it."""
    template = extract()
    write(template, TEMPLATE)
    for code in TRANSLATED:
        path = po_path(code)
        catalog = read(path, code) if path.exists() else Catalog(locale=code, domain=DOMAIN, project="Porchside")
        if code in PLURAL_FORMS:
            catalog._num_plurals, catalog._plural_expr = PLURAL_FORMS[code]
        catalog.update(template, no_fuzzy_matching=True)
        write(catalog, path)


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def message_problems(message: Message) -> list[str]:
    """What is wrong with one translated message (empty, fuzzy, placeholders or tags changed)."""
    problems = []
    forms = _forms(message)
    if not all(forms):
        return ["not translated"]
    if message.fuzzy:
        problems.append("fuzzy")
    ids = _ids(message)
    wanted = set(_PLACEHOLDER.findall(" ".join(ids)))
    for index, form in enumerate(forms):
        wanted_tags = sorted(_TAG.findall(ids[min(index, len(ids) - 1)]))
        have = set(_PLACEHOLDER.findall(form))
        if have - wanted:
            problems.append(f"unknown placeholders {sorted(have - wanted)}")
        # A plural's singular may leave out the number ("une facture"); every other name stays.
        if (wanted - {"num"}) - have:
            problems.append(f"placeholders left out {sorted((wanted - {'num'}) - have)}")
        if sorted(_TAG.findall(form)) != wanted_tags:
            problems.append("HTML tags differ")
    return problems


def check() -> list[str]:
    """Every problem of core's catalogs, as lines to print; empty when all is well."""
    problems: list[str] = [
        f"{template}: text not marked for translation: {' '.join(sorted(set(words)))}"
        for template, words in untranslated_templates().items()
    ]
    extracted = extract()
    for code in TRANSLATED:
        path = po_path(code)
        if not path.exists():
            problems.append(f"{code}: no catalog at {path.relative_to(ROOT)}")
            continue
        catalog = read(path, code)
        for message in extracted:
            if message.id and catalog.get(message.id, context=message.context) is None:
                problems.append(f"{code}: new text not in the catalog: {_ids(message)[0]!r} (python -m core.i18n_catalogs update)")
        for message in catalog:
            if not message.id:
                continue
            if extracted.get(message.id, context=message.context) is None:
                problems.append(f"{code}: text no longer in the code: {_ids(message)[0]!r}")
                continue
            for problem in message_problems(message):
                problems.append(f"{code}: {problem}: {_ids(message)[0]!r}")
    return problems


# -- texts nobody marked ---------------------------------------------------------

#: Names that read the same in every language.
UNTRANSLATED_NAMES = frozenset({"Porchside", "AutoPay", "Stripe", "PDF", "CSV", "API", "OpenAPI", "JSON", "URL", "ID", "PaymentIntent"})
_VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
_TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
_JINJA = re.compile(r"{#.*?#}|{{.*?}}|{%.*?%}", re.S)
_ATTRIBUTES_ONLY = re.compile(r'(\s*[\w:-]+="[^"]*")+\s*')
_ADDRESSES = re.compile(r"https?://\S+|\S+@\S+|\b[\w-]+(?:\.[\w-]+)+\b")
_WORD = re.compile(r"(?<![\w@./:-])[A-Za-z][a-z]*[A-Za-z](?![\w@/-])")
TEMPLATE_GLOBS = ("core/templates/**/*.html", "core/templates/**/*.txt", "plugins/*/templates/**/*.html", "plugins/*/templates/**/*.txt")


class _VisibleText(HTMLParser):
    """The text a reader sees in an HTML template whose Jinja parts are blanked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and (name in _VISIBLE_ATTRIBUTES or (tag == "input" and name == "value" and values.get("type") in ("submit", "button"))):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        # A macro's attributes (` aria-invalid="true"`) are outside any tag in its source.
        if not self._hidden and not _ATTRIBUTES_ONLY.fullmatch(data):
            self.texts.append(data)


def untranslated_words(source: str, html: bool) -> list[str]:
    """English words a template shows outside ``_()``, ``{% trans %}`` and its data."""
    blanked = _JINJA.sub(" ", _TRANS_BLOCK.sub(" ", source))
    if html:
        parser = _VisibleText()
        parser.feed(blanked)
        parser.close()
        texts = parser.texts
    else:
        texts = [blanked]
    words = []
    for text in texts:
        text = _ADDRESSES.sub(" ", text)
        words.extend(w for w in _WORD.findall(text) if w not in UNTRANSLATED_NAMES)
    return words


def untranslated_templates(root: Path = ROOT) -> dict[str, list[str]]:
    """``{template: [word, ...]}`` for every core or built-in plugin template showing unmarked text."""
    found = {}
    for pattern in TEMPLATE_GLOBS:
        for path in sorted(root.glob(pattern)):
            words = untranslated_words(path.read_text(encoding="utf-8"), path.suffix == ".html")
            if words:
                found[str(path.relative_to(root))] = words
    return found


def compile_catalogs(folder: Path = CORE_CATALOGS) -> list[Path]:
    """Write ``messages.mo`` next to every ``messages.po`` under ``folder``."""
    written = []
    for po in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read(po, po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.i18n_catalogs", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="write messages.pot from the code and merge it into each language's .po")
    sub.add_parser("check", help="exit 1 when a text is new, missing, fuzzy or has broken placeholders")
    sub.add_parser("compile", help="compile every .po into a .mo")
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
        return 0
    if args.command == "compile":
        for path in compile_catalogs():
            print(path.relative_to(ROOT))
        return 0
    problems = check()
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)" if problems else "catalogs complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
