"""Reading the back office's forms: one :class:`FormReader` per submitted form.

Each method reads one field, returns its clean value (None when it is
empty or wrong) and records a sentence in :attr:`FormReader.errors` under
the field's name when it is wrong, so a view reads every field, then either
saves or renders the form again with all its problems at once (status 400)
and with what the person typed (:attr:`FormReader.values`).

Times are typed in the business's time zone (``<input type="datetime-local">``)
and stored in UTC; :func:`datetime_input` writes a stored time back into
such a field.

Labels handed to the reader may be lazy texts (:func:`core.i18n.lazy_gettext`);
its sentences are written in the reader's language, the label inside them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Mapping, Sequence, Union
from zoneinfo import ZoneInfo

from babel.support import LazyProxy

from core.characters import TEXT_BAD
from core.i18n import gettext as _
from core.mail.addresses import ADDRESS_RE
from core.models.customers import normalise_email
from core.money import amount_input, line_amount, parse_amount, parse_quantity, quantity_input
from tenants.models import Tenant

#: A text shown to people: a ``str``, or a lazy text (:func:`core.i18n.lazy_gettext`)
#: translated into the reader's language when it is drawn.
Text = Union[str, LazyProxy]

# Years a typed date may have: beyond them date arithmetic overflows.
MIN_YEAR, MAX_YEAR = 1900, 2999


class FormReader:
    """Reads fields of ``form`` for ``tenant`` (its locale, currency and time zone)."""

    def __init__(self, form: Mapping[str, Any], tenant: Tenant) -> None:
        self.form = form
        self.tenant = tenant
        self.errors: dict[str, str] = {}
        self.values: dict[str, str] = {key: form.get(key, "") for key in form}

    def raw(self, name: str) -> str:
        return str(self.form.get(name, "") or "")

    def fail(self, name: str, message: str) -> None:
        """Record a problem with ``name`` (the first one found is kept)."""
        self.errors.setdefault(name, message)

    def text(self, name: str, label: Text, *, max_length: int, required: bool = False, multiline: bool = False) -> str:
        """Trimmed text; line breaks only when ``multiline`` (kept as ``\\n``)."""
        value = self.raw(name).replace("\r\n", "\n").replace("\r", "\n").strip()
        if not multiline and "\n" in value:
            self.fail(name, _("Keep %(field)s on one line.", field=label.lower()))
        elif TEXT_BAD.search(value):
            self.fail(name, _("%(field)s contains control characters.", field=label))
        elif len(value) > max_length:
            self.fail(name, _("Keep %(field)s under %(max)d characters.", field=label.lower(), max=max_length))
        elif required and not value:
            self.fail(name, _("Enter %(field)s.", field=label.lower()))
        else:
            return value
        return ""

    def checkbox(self, name: str) -> bool:
        return self.raw(name) in ("on", "1", "true", "yes")

    def choice(self, name: str, label: Text, choices: Sequence[str], default: str | None = None) -> str:
        value = self.raw(name) or (default or "")
        if value not in choices:
            self.fail(name, _("Choose %(field)s.", field=label.lower()))
            return default or choices[0]
        return value

    def email(self, name: str, label: Text | None = None, *, required: bool = True) -> str:
        label = label or _("Email")
        value = normalise_email(self.raw(name))
        if not value:
            if required:
                self.fail(name, _("Enter %(field)s.", field=label.lower()))
            return ""
        if len(value) > 254 or not ADDRESS_RE.match(value):
            self.fail(name, _("“%(value)s” is not an email address.", value=value))
            return ""
        return value

    def amount(self, name: str, *, allow_negative: bool = False, currency: str | None = None) -> int | None:
        """Money in minor units of ``currency`` (default: the tenant's)."""
        try:
            return parse_amount(self.raw(name), currency or self.tenant.currency, self.tenant.locale, allow_negative=allow_negative)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None

    def quantity(self, name: str) -> int | None:
        """A quantity in thousandths; empty means 1."""
        if not self.raw(name).strip():
            return 1000
        try:
            return parse_quantity(self.raw(name), self.tenant.locale)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None

    def line(self) -> dict[str, Any]:
        """A priced line (job charge, invoice line): description, quantity, unit price.

        The amount is computed here, never read from the form; a negative
        unit price is a discount.
        """
        description = self.text("description", _("Description"), max_length=300, required=True)
        quantity = self.quantity("quantity")
        unit_price = self.amount("unit_price", allow_negative=True)
        amount = line_amount(quantity, unit_price) if quantity is not None and unit_price is not None else 0
        return {"description": description, "quantity_milli": quantity, "unit_price_minor": unit_price, "amount_minor": amount}

    def whole_number(self, name: str, label: Text, low: int, high: int) -> int | None:
        try:
            value = int(self.raw(name).strip())
        except ValueError:
            self.fail(name, _("%(field)s must be a whole number.", field=label))
            return None
        if not low <= value <= high:
            self.fail(name, _("%(field)s must be between %(low)d and %(high)d.", field=label, low=low, high=high))
            return None
        return value

    def local_date(self, name: str, label: Text, *, required: bool = False) -> date | None:
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.fail(name, _("Enter %(field)s.", field=label.lower()))
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.fail(name, _("Enter %(field)s as year-month-day, for example 2025-03-31.", field=label.lower()))
            return None
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            self.fail(name, _("%(field)s is out of range.", field=label))
            return None
        return value

    def local_datetime(self, name: str, label: Text) -> datetime | None:
        """A ``datetime-local`` value in the tenant's time zone, returned in UTC."""
        raw = self.raw(name).strip()
        if not raw:
            return None
        try:
            naive = datetime.fromisoformat(raw)
        except ValueError:
            naive = None
        if naive is None or naive.tzinfo is not None:
            self.fail(name, _("Enter %(field)s as a date and time, for example 2025-03-31T14:30.", field=label.lower()))
            return None
        if not MIN_YEAR <= naive.year <= MAX_YEAR:
            self.fail(name, _("%(field)s is out of range.", field=label))
            return None
        return naive.replace(tzinfo=ZoneInfo(self.tenant.timezone)).astimezone(timezone.utc)


def datetime_input(value: datetime | None, tenant: Tenant) -> str:
    """A stored time as a ``datetime-local`` field's value in the tenant's zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(tenant.timezone)).strftime("%Y-%m-%dT%H:%M")


def line_values(row: Any, currency: str) -> dict[str, str]:
    """A stored charge or invoice line as the values of its form."""
    return {
        "description": row.description,
        "quantity": quantity_input(row.quantity_milli),
        "unit_price": amount_input(row.unit_price_minor, currency),
    }
