"""Field types shared by the resources' schemas (lengths match the tables)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from core.mail.errors import MailError
from core.mail.addresses import clean_address
from core.models.customers import normalise_email


def _external_id(value: str) -> str:
    from core.api.resources import EXTERNAL_ID

    if not EXTERNAL_ID.match(value):
        raise ValueError("an external id is 1 to 120 characters, without '/' and without spaces at either end")
    return value


def _email(value: str) -> str:
    try:
        return normalise_email(clean_address(value, "email address"))
    except MailError as exc:
        raise ValueError(str(exc)) from None


def text(max_length: int, *, required: bool = False) -> object:
    """A trimmed string of at most ``max_length`` characters (at least one if ``required``)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1 if required else 0, max_length=max_length)]


ExternalId = Annotated[str, Field(min_length=1, max_length=120, description="The id of this object in your own system, unique per type."), AfterValidator(_external_id)]
Email = Annotated[str, Field(min_length=3, max_length=254, description="An email address (stored lower-cased)."), AfterValidator(_email)]
PublicId = Annotated[str, Field(min_length=1, max_length=40, description="The id of an object of this API.")]
