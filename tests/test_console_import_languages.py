"""A customers CSV whose columns are named as the import page names them, in any shipped language (issue 17).

The upload page lists the column titles in the reader's language; a file
that uses those titles (Spanish, French) or the English ones is read the
same way, and "send invoices" takes yes/no in those languages too. The
titles are those of core's shipped catalogs.
"""

from __future__ import annotations

import pytest

from core import i18n
from core.console.customer_csv import CsvFileError, read_csv
from core.testing import translated

COLUMNS = ("Account name", "Account number", "First name", "Last name", "Email", "Send invoices")
NO_ACCOUNT_NAME = "The first line must name the columns, one of them “%(column)s”."


def titles(code: str, separator: str) -> str:
    return separator.join(translated(code, column) for column in COLUMNS)


def only_row(data: str):
    parsed = read_csv(data.encode())
    assert parsed.ignored_columns == [] and len(parsed.rows) == 1
    row = parsed.rows[0]
    assert row.valid, row.errors
    return row


def test_spanish_and_french_column_titles_are_read_whatever_the_readers_language():
    spanish = titles("es", ";") + "\nCasa Pérez;C-9;Ana;Pérez;ana@example.com;no\n"
    french = titles("fr", ",") + "\nMaison Dupont,C-8,Luc,Dupont,luc@example.com,non\n"
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
    french_titles = ",".join(translated("fr", column) for column in ("Account name", "First name", "Email", "Send invoices"))
    assert only_row(french_titles + "\nLee,Kim,kim@example.com,oui\n").send_invoices is True


def test_a_file_without_the_account_name_column_is_explained_in_the_readers_language():
    with i18n.language("es"), pytest.raises(CsvFileError) as refused:
        read_csv(f"{translated('es', 'Email')}\nana@example.com\n".encode())
    assert str(refused.value) == translated("es", NO_ACCOUNT_NAME) % {"column": translated("es", "Account name")}
    with pytest.raises(CsvFileError) as refused:
        read_csv(b"Email\nana@example.com\n")
    assert str(refused.value) == "The first line must name the columns, one of them “Account name”."
