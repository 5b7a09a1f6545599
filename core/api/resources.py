"""The declarative resource engine's records: what a plugin (or core) returns to add an API resource.

A resource is declared once, as data; :mod:`core.api.engine` and
:mod:`core.api.blueprint` give it every route, scope check, pagination,
filter, ETag, idempotent create, upsert by external id, audit entry and
OpenAPI entry. Declare it from the ``porchside_api_resources`` hook::

    from core import hookimpl
    from core.api.resources import ApiModel, ApiResource, Filter

    class Pet(ApiModel):
        id: str
        object: Literal["pet"] = "pet"
        name: str

    @hookimpl
    def porchside_api_resources():
        return [ApiResource(name="pets", object="pet", model=PetRow, schema=Pet,
                            serialize=lambda row: {"id": row.public_id, "name": row.name})]

Everything but ``name``, ``object``, ``model``, ``schema`` and ``serialize``
is optional: a resource without ``create`` has no POST, without ``update``
no PATCH, and so on (405 with ``Allow``). See ``docs/api.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from babel.support import LazyProxy
from pydantic import BaseModel, ConfigDict
from tortoise.queryset import QuerySet

from core import audit
from core.api.scopes import scope
from core.i18n import SOURCE_LANGUAGE, language

if TYPE_CHECKING:
    from core.api.auth import Caller
    from tenants.models import Tenant

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FILTER_KINDS = ("string", "boolean", "integer")
RESERVED_PARAMETERS = frozenset({"limit", "after", "updated_since", "external_id"})
# External ids travel in URL paths: no slash, no spaces at either end.
EXTERNAL_ID = re.compile(r"^[^/\s](?:[^/]{0,118}[^/\s])?$")


class ApiModel(BaseModel):
    """Base of request and response schemas: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


@dataclass(frozen=True)
class Filter:
    """A list filter: ``?<name>=<value>`` becomes ``filter(<lookup>=value)``.

    :param kind: ``string``, ``boolean`` (``true``/``false``) or ``integer``.
    """

    name: str
    lookup: str
    kind: str = "string"
    description: str = ""


@dataclass(frozen=True)
class ResourceAction:
    """``POST /api/v1/<resource>/<id>/<name>`` (issue, void...), idempotent like every POST.

    :param handler: ``async def handler(ctx, row, data)`` -> the row; ``data``
        is the validated ``schema`` instance, or None without a schema.
    :param multipart: instead of a JSON ``schema``, the OpenAPI schema of a
        ``multipart/form-data`` body (file uploads); the handler reads
        ``request.files`` itself.
    """

    name: str
    handler: Callable[["ApiContext", Any, Any], Awaitable[Any]]
    schema: type[BaseModel] | None = None
    description: str = ""
    multipart: dict[str, Any] | None = None


@dataclass(frozen=True)
class ApiResource:
    """One resource of the API, declared once (see the module doc).

    :param name: URL segment and scope prefix, plural (``customers``).
    :param object: the ``object`` value of its representation and the noun
        of its audit actions (``customer`` -> ``customer.created``).
    :param model: the TenantModel it reads and writes (tenant-scoped).
    :param schema: pydantic model of the representation (feeds OpenAPI).
    :param serialize: ``row -> dict`` (sync or async) matching ``schema``.
    :param prepare: ``async def prepare(rows)``: load what ``serialize``
        needs for a whole page at once (no query per row).
    :param query: ``() -> QuerySet`` base query (default ``model.all()``).
    :param create_schema / create: body model and ``async def create(ctx,
        data) -> row`` for POST (and for an upsert that creates).
    :param update_schema / update: body model and ``async def update(ctx,
        row, data) -> row`` for PATCH; on an upsert of an existing row it
        gets the ``create_schema`` instance. Apply only ``fields_set(data)``.
    :param delete: ``async def delete(ctx, row)`` for DELETE.
    :param filters: list filters besides ``updated_since`` and ``external_id``.
    :param actions: extra POST routes on one object.
    :param external_id_prefix: stored before the client's external id, when
        the column also holds ids the client must not see or clash with
        (payments: the Stripe settlement's de-duplication keys).
    :param title: the human name staff choose it by on the console's API
        client form (``lazy_gettext("Customers")``); default: ``name``.
    :param description: reference text of the OpenAPI document (always in
        English there) and of the console's form (in the reader's language
        when it is a ``lazy_gettext`` text).
    """

    name: str
    object: str
    model: type
    schema: type[BaseModel]
    serialize: Callable[[Any], dict[str, Any] | Awaitable[dict[str, Any]]]
    prepare: Callable[[list[Any]], Awaitable[None]] | None = None
    query: Callable[[], QuerySet] | None = None
    create_schema: type[BaseModel] | None = None
    create: Callable[["ApiContext", Any], Awaitable[Any]] | None = None
    update_schema: type[BaseModel] | None = None
    update: Callable[["ApiContext", Any, Any], Awaitable[Any]] | None = None
    delete: Callable[["ApiContext", Any], Awaitable[None]] | None = None
    filters: tuple[Filter, ...] = ()
    actions: tuple[ResourceAction, ...] = ()
    description: str | LazyProxy = ""
    order: int = 100
    external_id_prefix: str = ""
    title: str | LazyProxy = ""

    @property
    def id(self) -> str:
        return self.name

    @property
    def label(self) -> str | LazyProxy:
        """What staff read: the title (translated when lazy), else the name."""
        return self.title or self.name

    @property
    def read_scope(self) -> str:
        return scope(self.name, "read")

    @property
    def write_scope(self) -> str:
        return scope(self.name, "write")

    @property
    def syncable(self) -> bool:
        """Whether ``PUT /by-external-id/<id>`` exists: the table has ``external_id`` and both writes."""
        return "external_id" in self.model._meta.fields_map and self.create is not None and self.update is not None

    @property
    def has_updated_at(self) -> bool:
        return "updated_at" in self.model._meta.fields_map

    def stored_external_id(self, external_id: str) -> str:
        """The column value for the client's ``external_id``."""
        return self.external_id_prefix + external_id

    def base_query(self) -> QuerySet:
        return self.query() if self.query is not None else self.model.all()

    def problems(self) -> list[str]:
        """What is wrong with this declaration (checked at start-up)."""
        from core.models.base import TenantModel

        out = []
        if not NAME.match(self.name):
            out.append(f"name {self.name!r} must be lower case letters, digits and '_'")
        if not NAME.match(self.object):
            out.append(f"object {self.object!r} must be lower case letters, digits and '_'")
        if not (isinstance(self.model, type) and issubclass(self.model, TenantModel)):
            out.append("model must be a TenantModel (tenant-scoped)")
        if not (isinstance(self.schema, type) and issubclass(self.schema, BaseModel)):
            out.append("schema must be a pydantic model")
        if (self.create is None) != (self.create_schema is None):
            out.append("create and create_schema go together")
        if (self.update is None) != (self.update_schema is None):
            out.append("update and update_schema go together")
        names = [f.name for f in self.filters]
        for f in self.filters:
            if f.kind not in FILTER_KINDS:
                out.append(f"filter {f.name!r} has kind {f.kind!r}; use one of {', '.join(FILTER_KINDS)}")
            if f.name in RESERVED_PARAMETERS:
                out.append(f"filter {f.name!r} is a parameter every list has")
        if len(set(names)) != len(names):
            out.append("filter names repeat")
        if len({a.name for a in self.actions}) != len(self.actions):
            out.append("action names repeat")
        return out


@dataclass
class ApiContext:
    """What a handler gets: the tenant, the calling client and its resource."""

    tenant: "Tenant"
    caller: "Caller"
    resource: ApiResource
    audited: list[str] = field(default_factory=list)

    async def audit(self, verb: str, row: Any, **detail: Any) -> None:
        """One audit entry ``<object>.<verb>`` naming the API client (the engine calls it for every write)."""
        await audit.record(
            f"{self.resource.object}.{verb}",
            actor_type="api",
            actor=self.caller.actor,
            target=getattr(row, "public_id", ""),
            client_id=self.caller.client.client_id,
            **detail,
        )
        self.audited.append(verb)


def english(text: str | LazyProxy) -> str:
    """``text`` as a plain string in English (the OpenAPI document and ``/api/docs`` are not translated)."""
    with language(SOURCE_LANGUAGE):
        return str(text)


def fields_set(data: BaseModel, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The fields the client sent (PATCH semantics), as plain values."""
    skip = set(exclude)
    return {name: getattr(data, name) for name in data.model_fields_set if name not in skip}



def apply_changes(row: Any, values: dict[str, Any]) -> list[str]:
    """Set the values that differ on ``row``; the names changed.

    Save only when this is not empty: an upsert that changes nothing must
    leave ``updated_at`` (and so the ETag) as it was, so a sync run twice
    gives the same state.
    """
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed
