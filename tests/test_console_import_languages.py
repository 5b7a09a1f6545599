"""A customers CSV whose columns are named as the import page names them, in any shipped language (issue 17).

The upload page lists the column titles in the reader's language; a file
that uses those titles (Spanish, French) or the English ones is read the
same way, and "send invoices" takes yes/no in those languages too. The
catalogs here are this test's own, standing in for core's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from core.console.customer_csv import CsvFileError, read_csv

TITLES = {
    "es": {
        "Account name": "Nombre de la cuenta", "Account number": "Número de cuenta", "First name": "Nombre",
        "Last name": "Apellidos", "Email": "Correo electrónico", "Send invoices": "Enviar facturas",
        "The first line must name the columns, one of them “%(column)s”.": "La primera línea debe nombrar las columnas, una de ellas “%(column)s”.",
    },
    "fr": {
        "Account name": "Nom du compte", "Account number": "Numéro de compte", "First name": "Prénom",
        "Last name": "Nom de famille", "Email": "E-mail", "Send invoices": "Envoyer les factures",
    },
}


@pytest.fixture
def catalogs(monkeypatch, tmp_path: Path):
    for code, texts in TITLES.items():
        catalog = Catalog(locale=code, domain="messages")
        for msgid, msgstr in texts.items():
            catalog.add(msgid, msgstr)
        target = tmp_path / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.po").open("wb") as fp:
            write_po(fp, catalog)
    monkeypatch.setattr(i18n, "_catalog_dirs", [tmp_path])
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def only_row(data: str):
    parsed = read_csv(data.encode())
    assert parsed.ignored_columns == [] and len(parsed.rows) == 1
    row = parsed.rows[0]
    assert row.valid, row.errors
    return row


def test_spanish_and_french_column_titles_are_read_whatever_the_readers_language(catalogs):
    spanish = "Nombre de la cuenta;Número de cuenta;Nombre;Apellidos;Correo electrónico;Enviar facturas\nCasa Pérez;C-9;Ana;Pérez;ana@example.com;no\n"
    french = "Nom du compte,Numéro de compte,Prénom,Nom de famille,E-mail,Envoyer les factures\nMaison Dupont,C-8,Luc,Dupont,luc@example.com,non\n"
    for language in ("en", "es", "fr"):
        with i18n.language(language):
            row = only_row(spanish)
            assert (row.account_name, row.account_number, row.contact_name, row.emails, row.send_invoices) == (
                "Casa Pérez", "C-9", "Ana Pérez", ["ana@example.com"], False
            )
            row = only_row(french)
            assert (row.account_name, row.account_number, row.contact_name, row.emails, row.send_invoices) == (
                "Maison Dupont", "C-8", "Luc Dupont", ["luc@example.com"], False
            )
    # sí / oui send invoices; English titles still work.
    assert only_row("Account name,First name,Email,Send invoices\nLee,Kim,kim@example.com,sí\n").send_invoices is True
    assert only_row("Nom du compte,Prénom,E-mail,Envoyer les factures\nLee,Kim,kim@example.com,oui\n").send_invoices is True


def test_a_file_without_the_account_name_column_is_explained_in_the_readers_language(catalogs):
    with i18n.language("es"), pytest.raises(CsvFileError) as refused:
        read_csv("Correo electrónico\nana@example.com\n".encode())
    assert str(refused.value) == "La primera línea debe nombrar las columnas, una de ellas “Nombre de la cuenta”."
    with pytest.raises(CsvFileError) as refused:
        read_csv(b"Email\nana@example.com\n")
    assert str(refused.value) == "The first line must name the columns, one of them “Account name”."
