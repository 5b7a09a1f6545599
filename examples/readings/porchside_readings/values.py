"""Reading values: typed text to exact thousandths, and where a value sits against its target.

A value is kept as an integer of thousandths (no float ever touches it):
``"7.4"`` is 7400, ``"-2,5"`` in a comma locale is -2500. Out-of-range
values are said in words ("Low", "High"), so pages never rely on colour.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, get_decimal_symbol, parse_decimal

from core.i18n import gettext as _, lazy_gettext

DIGITS = 3  # thousandths
LIMIT = 10**12  # thousandths: a billion units either way is enough for any meter
PLAIN = re.compile(r"^-?\d{1,9}(\.\d{1,3})?$")  # what the API accepts: "7.4", "-2", "3200"

IN_RANGE, LOW, HIGH = "in_range", "low", "high"
LABELS = {IN_RANGE: lazy_gettext("In range"), LOW: lazy_gettext("Low"), HIGH: lazy_gettext("High")}


def parse_value(text: str, locale: str = "en_US") -> int:
    """Typed text as thousandths; ``ValueError`` with a sentence for people when it is not a number.

    Reads a plain ``-12.5`` in any locale and the locale's own decimal sign
    (``12,5`` in ``de_DE``); never more than three decimals.
    """
    cleaned = (text or "").strip().replace("\u2212", "-").replace(" ", "")
    if not cleaned:
        raise ValueError(_("Enter a number."))
    value: Decimal | None = None
    if any(c.isalpha() for c in cleaned):
        raise ValueError(_("“%(text)s” is not a number.", text=text.strip()))
    if re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        if re.fullmatch(r"-?\d{1,3}\.\d{3}", cleaned) and get_decimal_symbol(locale) != ".":
            raise ValueError(_("“%(text)s” could be read two ways. Write it without a thousands separator.", text=text.strip()))
        value = Decimal(cleaned)
    else:
        try:
            value = parse_decimal(cleaned, locale=locale, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            value = None
    if value is None or not value.is_finite():
        raise ValueError(_("“%(text)s” is not a number.", text=text.strip()))
    return to_milli(value)


def to_milli(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DIGITS:
        raise ValueError(_("Use at most %(num)d decimals.", num=DIGITS))
    milli = int(value.scaleb(DIGITS))
    if abs(milli) >= LIMIT:
        raise ValueError(_("That number is too large."))
    return milli


def api_value(text: str) -> int:
    """An API value (a decimal string such as ``"7.4"``) as thousandths."""
    if not PLAIN.match(text):
        raise ValueError("value is a decimal number as a string, up to 9 digits and 3 decimals, e.g. \"7.4\"")
    return to_milli(Decimal(text))


def plain(milli: int | None) -> str:
    """Thousandths as plain text for the API and form fields: 7400 -> ``"7.4"``, 3000 -> ``"3"``."""
    if milli is None:
        return ""
    text = f"{Decimal(milli).scaleb(-DIGITS):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def status(milli: int, low: int | None, high: int | None) -> str | None:
    """``in_range``, ``low`` or ``high`` against the target; None when the measure has no target."""
    if low is None and high is None:
        return None
    if low is not None and milli < low:
        return LOW
    if high is not None and milli > high:
        return HIGH
    return IN_RANGE
