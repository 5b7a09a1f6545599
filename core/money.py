"""Decimal strings that staff type, and the integers the database keeps.

Money is stored in integer minor units of its currency (cents, yen, fils)
and quantities in thousandths (``1.5`` hours -> ``1500``). Forms show and
accept decimal strings: :func:`parse_amount` and :func:`parse_quantity`
turn them into integers with :class:`decimal.Decimal` (never a float, so
``0.1 + 0.2`` stays exact) and raise :class:`ValueError` with a sentence a
person can act on; :func:`amount_input` and :func:`quantity_input` write a
stored integer back into a form field. Display uses
:func:`core.web.rendering.format_money`.

Input is read two ways: the plain machine form (``1234.50``, what the form
fields are filled with) in any locale, then the tenant's own way of writing
numbers (``1,234.50`` in en_US, ``1 234,50`` in fr_FR). A currency sign and
spaces around the number are ignored.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    get_currency_precision,
    get_currency_symbol,
    get_group_symbol,
    parse_decimal,
)

DEFAULT_LOCALE = "en_US"
# Larger amounts are a typing mistake, not an invoice (and stay far from BIGINT limits).
MAX_AMOUNT_MAJOR = Decimal("100000000")  # 100 million in the currency's main unit
MAX_QUANTITY = Decimal("1000000")
QUANTITY_DIGITS = 3  # thousandths

_PLAIN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
# "1.500" where the locale groups thousands with a dot: 1.5 or 1500?
_DOT_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+$")


def _decimal(text: str, locale: str, what: str, currency: str | None = None) -> Decimal:
    """``text`` as a Decimal, read plainly or in ``locale``; ValueError when neither works."""
    cleaned = (text or "").strip()
    if currency:
        for sign in {currency, get_currency_symbol(currency, locale=locale), "$", "€", "£"}:
            cleaned = cleaned.replace(sign, "")
    compact = _SPACES.sub("", cleaned)
    if not compact:
        raise ValueError(f"Enter {what}.")
    if _PLAIN.match(compact):
        if _DOT_GROUPED.match(compact) and get_group_symbol(locale) == ".":
            raise ValueError(f"“{text.strip()}” could be read two ways. Write {what} without thousands separators.")
        return Decimal(compact)
    try:
        # Without spaces: people type a plain space where the locale groups
        # with a narrow no-break one (fr_FR "1 234,50").
        value = parse_decimal(compact, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        value = None
    if value is not None and value.is_finite():
        return value
    raise ValueError(f"“{text.strip()}” is not a number. Write {what} like 1234.50.")


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def currency_digits(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (USD 2, JPY 0, BHD 3)."""
    return get_currency_precision(currency)


def parse_amount(text: str, currency: str, locale: str = DEFAULT_LOCALE, *, allow_negative: bool = False) -> int:
    """A typed amount of ``currency`` in minor units: ``"12.5"`` USD -> ``1250``.

    :param allow_negative: accept a minus sign (a discount line); otherwise
        only zero or more.
    :raises ValueError: not a number, more decimals than the currency has,
        negative when not allowed, or implausibly large.
    """
    value = _decimal(text, locale, "an amount", currency)
    digits = currency_digits(currency)
    if _places(value) > digits:
        if digits == 0:
            raise ValueError(f"{currency} amounts have no decimals.")
        raise ValueError(f"{currency} amounts have at most {digits} decimals.")
    if value < 0 and not allow_negative:
        raise ValueError("Enter an amount of zero or more.")
    if abs(value) >= MAX_AMOUNT_MAJOR:
        raise ValueError("That amount is too large.")
    return int(value.scaleb(digits))


def amount_input(amount_minor: int | None, currency: str) -> str:
    """A stored amount as a form field's value: ``1250`` USD -> ``"12.50"``."""
    if amount_minor is None:
        return ""
    digits = currency_digits(currency)
    return f"{Decimal(amount_minor).scaleb(-digits):.{digits}f}"


def parse_quantity(text: str, locale: str = DEFAULT_LOCALE) -> int:
    """A typed quantity in thousandths: ``"1.5"`` -> ``1500``.

    :raises ValueError: not a number, zero or less, more than three decimals,
        or implausibly large.
    """
    value = _decimal(text, locale, "a quantity")
    if _places(value) > QUANTITY_DIGITS:
        raise ValueError("Quantities have at most 3 decimals.")
    if value <= 0:
        raise ValueError("Enter a quantity greater than zero.")
    if value >= MAX_QUANTITY:
        raise ValueError("That quantity is too large.")
    return int(value.scaleb(QUANTITY_DIGITS))


def quantity_input(quantity_milli: int) -> str:
    """A stored quantity as a form field's value: ``1500`` -> ``"1.5"``, ``2000`` -> ``"2"``."""
    text = f"{Decimal(quantity_milli).scaleb(-QUANTITY_DIGITS):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def line_amount(quantity_milli: int, unit_price_minor: int) -> int:
    """Quantity times unit price in minor units, half a unit rounded away from zero."""
    exact = Decimal(quantity_milli) * Decimal(unit_price_minor) / 1000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
