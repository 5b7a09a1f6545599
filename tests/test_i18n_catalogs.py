"""Core's translation catalogs are complete and nothing visible is left unmarked (issue 17).

``python -m core.i18n_catalogs check`` is what fails here: a text marked in
code or a template but missing from a catalog, an empty or fuzzy
translation, a translation that lost a ``%(name)s`` placeholder or an HTML
tag, or English text in a template outside ``_()`` and ``{% trans %}``.
"""

from __future__ import annotations

from babel.messages.catalog import Message

from core import i18n_catalogs
from core.i18n import SHIPPED_LANGUAGES, translations


def test_every_shipped_catalog_is_complete_and_nothing_visible_is_unmarked():
    problems = i18n_catalogs.check()
    assert problems == [], "\n".join(problems[:40]) + "\n(python -m core.i18n_catalogs update, then translate)"


def test_the_catalogs_cover_every_shipped_language_with_gettexts_two_plural_forms():
    assert set(SHIPPED_LANGUAGES) == {"en", "es", "fr"}
    for code in ("es", "fr"):
        catalog = i18n_catalogs.read(i18n_catalogs.po_path(code), code)
        assert catalog.num_plurals == 2
        assert len(catalog) > 1500
    # French counts 0 as singular, Spanish does not.
    singular, plural = "Upload at most %(num)d photo at once.", "Upload at most %(num)d photos at once."
    assert translations("fr").ngettext(singular, plural, 0) == "Téléversez au plus %(num)d photo à la fois."
    assert translations("fr").ngettext(singular, plural, 2) == "Téléversez au plus %(num)d photos à la fois."
    assert "fotos" in translations("es").ngettext(singular, plural, 0)
    assert "fotos" not in translations("es").ngettext(singular, plural, 1)


def test_unmarked_template_text_is_found_in_pages_attributes_and_plain_text_emails():
    page = (
        '<h1>{{ _("Invoices") }}</h1><p>Pay now, {{ name }}.</p>'
        '<input type="submit" value="Save"><img alt="Company logo" src="{{ url }}">'
        '<a href="https://example.com/docs">{% trans %}Read the guide{% endtrans %}</a>'
        '<script>const label = "not shown";</script><span aria-hidden="true">*</span>'
    )
    assert i18n_catalogs.untranslated_words(page, html=True) == ["Pay", "now", "Save", "Company", "logo"]
    email = "Hello {{ name }},\n{{ _('Your invoice is ready.') }}\nhttps://acme.example.com/invoices\nPorchside"
    assert i18n_catalogs.untranslated_words(email, html=False) == ["Hello"]


def test_a_translation_that_loses_a_placeholder_or_a_tag_is_a_problem():
    good = Message("Hello <strong>%(name)s</strong>", "Hola <strong>%(name)s</strong>")
    assert i18n_catalogs.message_problems(good) == []
    assert i18n_catalogs.message_problems(Message("Hello %(name)s", "Hola")) == ["placeholders left out ['name']"]
    assert i18n_catalogs.message_problems(Message("Hello %(name)s", "Hola %(nom)s")) == [
        "unknown placeholders ['nom']", "placeholders left out ['name']",
    ]
    assert i18n_catalogs.message_problems(Message("<strong>Due</strong> today", "Vence hoy")) == ["HTML tags differ"]
    assert i18n_catalogs.message_problems(Message("Due", "")) == ["not translated"]
