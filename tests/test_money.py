"""Typed decimal strings to stored integers and back (core/money.py)."""

from __future__ import annotations

import pytest

from core.money import amount_input, line_amount, parse_amount, parse_quantity, quantity_input


@pytest.mark.parametrize(
    ("text", "currency", "locale", "minor"),
    [
        ("12.50", "USD", "en_US", 1250),
        ("12.5", "USD", "en_US", 1250),
        ("12", "USD", "en_US", 1200),
        (".5", "USD", "en_US", 50),
        (" $1,234.56 ", "USD", "en_US", 123456),
        ("0.10", "USD", "en_US", 10),
        ("1500", "JPY", "ja_JP", 1500),
        ("1.234", "BHD", "en_US", 1234),
        ("12,50 €", "EUR", "fr_FR", 1250),
        ("1 234,50", "EUR", "fr_FR", 123450),  # a plain space where fr_FR groups with a narrow one
        ("1.234,50", "EUR", "de_DE", 123450),
        ("12.50", "EUR", "de_DE", 1250),  # the form's own plain value works in every locale
        ("99999999.99", "USD", "en_US", 9999999999),
    ],
)
def test_parse_amount_reads_plain_and_locale_numbers(text, currency, locale, minor):
    assert parse_amount(text, currency, locale) == minor


def test_parse_amount_is_exact_where_floats_are_not():
    # float("0.29") * 100 == 28.999999999999996
    assert parse_amount("0.29", "USD") == 29
    assert parse_amount("1.15", "USD") == 115
    assert sum(parse_amount(x, "USD") for x in ("0.1", "0.2")) == parse_amount("0.3", "USD")


@pytest.mark.parametrize(
    ("text", "currency", "locale", "message"),
    [
        ("", "USD", "en_US", "Enter an amount."),
        ("   ", "USD", "en_US", "Enter an amount."),
        ("abc", "USD", "en_US", "is not a number"),
        ("1.2.3", "USD", "en_US", "is not a number"),
        ("NaN", "USD", "en_US", "is not a number"),
        ("Infinity", "USD", "en_US", "is not a number"),
        ("12.345", "USD", "en_US", "USD amounts have at most 2 decimals."),
        ("12.5", "JPY", "ja_JP", "JPY amounts have no decimals."),
        ("-5", "USD", "en_US", "Enter an amount of zero or more."),
        ("100000000", "USD", "en_US", "too large"),
        ("1.500", "EUR", "de_DE", "could be read two ways"),
        ("1,234.50", "EUR", "fr_FR", "is not a number"),
    ],
)
def test_parse_amount_refuses_with_a_clear_sentence(text, currency, locale, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        parse_amount(text, currency, locale)


def test_negative_amounts_only_when_asked_for():
    assert parse_amount("-10.00", "USD", allow_negative=True) == -1000
    with pytest.raises(ValueError):
        parse_amount("-10.00", "USD")


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(1250, "USD", "12.50"), (5, "USD", "0.05"), (-1999, "USD", "-19.99"), (1500, "JPY", "1500"), (1234, "BHD", "1.234"), (None, "USD", "")],
)
def test_amount_input_round_trips(minor, currency, text):
    assert amount_input(minor, currency) == text
    if minor is not None:
        assert parse_amount(text, currency, allow_negative=True) == minor


@pytest.mark.parametrize(("text", "milli"), [("1", 1000), ("1.5", 1500), ("0.25", 250), ("2.125", 2125), ("1,5", 1500)])
def test_parse_quantity_in_thousandths(text, milli):
    locale = "de_DE" if "," in text else "en_US"
    assert parse_quantity(text, locale) == milli
    assert parse_quantity(quantity_input(milli)) == milli


@pytest.mark.parametrize(
    ("text", "message"),
    [("0", "greater than zero"), ("-1", "greater than zero"), ("1.0005", "at most 3 decimals"), ("", "Enter a quantity"), ("two", "not a number"), ("1000000", "too large")],
)
def test_parse_quantity_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_quantity(text)


def test_quantity_input_drops_trailing_zeros():
    assert [quantity_input(q) for q in (1000, 1500, 2250, 1, 10000)] == ["1", "1.5", "2.25", "0.001", "10"]


def test_line_amount_rounds_half_away_from_zero():
    assert line_amount(1500, 8500) == 12750  # 1.5 h at 85.00
    assert line_amount(1000, 1999) == 1999
    assert line_amount(333, 100) == 33  # 0.333 x 1.00 = 0.333 -> 0.33
    assert line_amount(500, 1) == 1  # 0.5 cent -> 1 cent
    assert line_amount(500, -1) == -1  # a discount rounds the same way
    assert line_amount(2500, -1000) == -2500


@pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_CH", "ja_JP", "en_IN", "ar_EG"])
def test_format_money_prints_what_babel_prints(locale):
    """core.web.rendering.format_money parses each locale once (long statements) and
    formats an exact Decimal: the text is babel's own format_currency."""
    from types import SimpleNamespace

    from babel.numbers import format_currency, get_currency_precision

    from core.web.rendering import format_money

    for currency in ("USD", "EUR", "JPY", "BHD", "INR"):
        tenant = SimpleNamespace(locale=locale, currency=currency, timezone="UTC")
        for amount in (0, 1, -250, 1234567, 10**12 + 7):
            expected = format_currency(amount / 10 ** get_currency_precision(currency), currency, locale=locale)
            assert format_money(amount, currency, tenant) == expected
