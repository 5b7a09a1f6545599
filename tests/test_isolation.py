"""Tenants never see each other's rows: every tenant-owned model, found automatically.

The models are discovered from core's model modules and the installed
plugins' model apps, and rows are built by filling each field from its type,
so a new model is checked the day it is added. A field type the builder does
not know fails the test with a message saying so.
"""

from __future__ import annotations

import base64
import importlib
import itertools
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from tortoise import Tortoise, connections, fields
from tortoise.exceptions import DoesNotExist
from tortoise.fields.relational import BackwardFKRelation, BackwardOneToOneRelation, ManyToManyFieldInstance

from core.models import MODEL_MODULES
from core.models.base import PUBLIC_ID_BYTES, TenantManager, TenantModel, new_public_id
from core.plugins import PluginHost
from tenants.context import CrossTenantError, NoTenantError, use_tenant
from tenants.models import Tenant
from tests.module_app import module_app  # noqa: F401 - fixture

# One app per backend for the whole module (tests/module_app.py): starting an
# app was most of each test's CPU. Every test gets two new businesses of its
# own instead of an empty database, and values that must be unique carry a
# number no other test uses, so tests still see nothing of each other, in
# any order.
in_module_loop = pytest.mark.asyncio(loop_scope="module")
_SERIAL = itertools.count(1)

# Platform tables: not owned by one tenant, so not scoped. Anything else that
# points at a tenant must subclass TenantModel. DomainClaim is read across
# businesses on purpose: proving a domain deletes every other claim of it
# (tenants/service.py scopes each other query by tenant itself, tested in
# tests/test_domain_verification.py::test_claims_stay_with_their_business).
PLATFORM_TABLES = {"Tenant", "Domain", "DomainClaim"}
RELATIONS = (BackwardFKRelation, BackwardOneToOneRelation, ManyToManyFieldInstance)


def _model_modules() -> list[str]:
    modules = list(MODEL_MODULES)
    for app in PluginHost().load().model_apps().values():
        modules.extend(app["models"])
    return modules


def _tenant_models() -> list[type[TenantModel]]:
    found = []
    for name in _model_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, TenantModel)
                and obj.__module__ == module.__name__
                and not obj._meta.abstract
            ):
                found.append(obj)
    return sorted(found, key=lambda m: m.__name__)


TENANT_MODELS = _tenant_models()


# -- building look-alike rows ---------------------------------------------------


def _sample(field: fields.Field, name: str, tag: str, unique: bool) -> Any:
    """A valid value for ``field``: the same in both tenants unless ``unique``."""
    enum_type = getattr(field, "enum_type", None)
    if enum_type is not None:
        return next(iter(enum_type))
    if isinstance(field, fields.BooleanField):
        return True
    if isinstance(field, (fields.IntField, fields.BigIntField, fields.SmallIntField)):
        return next(_SERIAL) if unique else 1
    if isinstance(field, fields.DecimalField):
        return Decimal("1")
    if isinstance(field, fields.FloatField):
        return 1.0
    if isinstance(field, fields.DatetimeField):
        return datetime.now(timezone.utc)
    if isinstance(field, fields.DateField):
        return date.today()
    if isinstance(field, fields.TimeDeltaField):
        return timedelta(hours=1)
    if isinstance(field, fields.TimeField):
        return time(12, 0)
    if isinstance(field, fields.JSONField):
        return {}
    if isinstance(field, fields.UUIDField):
        return uuid.uuid4()
    if isinstance(field, fields.BinaryField):
        return b"look-alike"
    if isinstance(field, (fields.CharField, fields.TextField)):
        value = f"{tag}-{name}" if unique else f"same-{name}"  # the tag first: it survives a short max_length
        return value[: getattr(field, "max_length", None) or len(value)]
    raise TypeError(f"teach tests/test_isolation.py to fill a {type(field).__name__} ({name})")


async def build(
    model: type[TenantModel], tag: str, made: dict[type, TenantModel], look_alike: bool = True
) -> TenantModel:
    """A saved row of ``model`` for the current tenant, its linked rows built too.

    With ``look_alike`` every value that need not be unique is the same in
    both tenants, so only the tenant scope can tell the rows apart.
    ``made`` holds one row per model, so two links to one model share a row.
    """
    if model in made:
        return made[model]
    meta = model._meta
    sources = {meta.fields_map[n].source_field for n in (*meta.fk_fields, *meta.o2o_fields)}
    values: dict[str, Any] = {}
    for name, field in meta.fields_map.items():
        if name in ("id", "tenant", "public_id") or name in sources or isinstance(field, RELATIONS):
            continue
        if name in meta.fk_fields or name in meta.o2o_fields:
            remote = field.related_model
            if remote is Tenant:
                raise AssertionError(f"{model.__name__}.{name}: a second link to Tenant")
            if remote is model:
                continue  # a self-reference: the row stands alone
            values[name] = await build(remote, tag, made, look_alike)
            continue
        if field.generated or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if (field.default is not None or field.null) and not field.unique:
            continue
        # Fields of a unique_together differ between the tenants' rows too, so a
        # link corrupted with plain SQL below cannot collide with A's row.
        in_unique_group = any(name in group for group in meta.unique_together or ())
        values[name] = _sample(field, name, tag, field.unique or in_unique_group or not look_alike)
    row = await model.create(**values)
    made[model] = row
    return row


def pks(value: Any) -> list[int]:
    """Primary keys of what a reverse relation gave: a list, or one row or None (one-to-one)."""
    if value is None:
        return []
    if isinstance(value, TenantModel):
        return [value.pk]
    return [row.pk for row in value]


def reverse_name(parent: type, child: type, source: str) -> str | None:
    """The reverse relation on ``parent`` that lists ``child`` rows, if any."""
    for name in parent._meta.backward_fk_fields | parent._meta.backward_o2o_fields:
        field = parent._meta.fields_map[name]
        if field.related_model is child and field.relation_field == source:
            return name
    return None


async def raw_link(model: type, row_id: int, source: str, target_id: int) -> None:
    """Point a row at another row with plain SQL, past every guard (corrupt data)."""
    column = model._meta.fields_db_projection[source]
    await connections.get("default").execute_script(
        f'UPDATE "{model._meta.db_table}" SET "{column}" = {int(target_id)} WHERE "id" = {int(row_id)}'
    )


@pytest.fixture
def app(module_app):
    """The module's app (``client_for`` and the tests ask for ``app``)."""
    return module_app


@pytest_asyncio.fixture(loop_scope="module")
async def tenant(module_app):
    """A new business for this test (the module's app keeps earlier tests' businesses)."""
    from tenants.service import create_tenant

    n = next(_SERIAL)
    return await create_tenant(f"acme{n}", "Acme Pool Care", contact_email="office@acme.test", contact_phone="555-0100")


@pytest_asyncio.fixture(loop_scope="module")
async def other_tenant(module_app):
    """A second new business, for look-alike rows."""
    from tenants.service import create_tenant

    n = next(_SERIAL)
    return await create_tenant(f"globex{n}", "Globex Plumbing", contact_email="office@globex.test", contact_phone="555-0200")


# -- the inventory ------------------------------------------------------------------


def test_tenant_models_were_found() -> None:
    names = {m.__name__ for m in TENANT_MODELS}
    assert {"CustomerAccount", "Job", "Invoice", "Payment", "LoginToken"} <= names


@in_module_loop
async def test_every_registered_model_is_covered(app) -> None:
    registered = [model for models in Tortoise.apps.values() for model in models.values()]
    scoped = {m for m in registered if issubclass(m, TenantModel)}
    assert scoped == set(TENANT_MODELS), "a tenant-owned model lives outside the modules the test scans"
    for model in registered:
        if issubclass(model, TenantModel) or model.__name__ in PLATFORM_TABLES:
            continue
        links = [
            name
            for name in (*model._meta.fk_fields, *model._meta.o2o_fields)
            if model._meta.fields_map[name].related_model is Tenant
            or issubclass(model._meta.fields_map[name].related_model, TenantModel)
        ]
        assert not links, (
            f"{model.__name__} holds tenant data ({', '.join(links)}) but does not subclass TenantModel, "
            "so nothing scopes its queries"
        )


def test_every_model_has_a_tenant_manager() -> None:
    for model in TENANT_MODELS:
        assert isinstance(model._meta.manager, TenantManager), model.__name__


def test_public_id_prefixes_are_declared_and_distinct() -> None:
    prefixes = [m.public_id_prefix for m in TENANT_MODELS]
    assert "obj" not in prefixes, "a model kept the default public_id_prefix"
    assert len(set(prefixes)) == len(prefixes), f"two models share a prefix: {sorted(prefixes)}"


def test_public_ids_are_unguessable() -> None:
    ids = {new_public_id("job") for _ in range(20000)}
    assert len(ids) == 20000
    for public_id in list(ids)[:100]:
        prefix, _, random_part = public_id.partition("_")
        assert prefix == "job"
        assert len(base64.urlsafe_b64decode(random_part + "==")) >= PUBLIC_ID_BYTES >= 16
        assert len(public_id) <= 40  # fits the column


# -- every model ----------------------------------------------------------------------


async def look_alikes(model, tenant, other_tenant) -> tuple[TenantModel, dict, TenantModel, dict]:
    """``(row_a, made_a, row_b, made_b)``: a look-alike row in each tenant and the rows they link to."""
    made_a: dict = {}
    made_b: dict = {}
    n = next(_SERIAL)  # unique values differ from every other test's too
    with use_tenant(tenant):
        row_a = await build(model, f"a{n}", made_a)
    with use_tenant(other_tenant):
        row_b = await build(model, f"b{n}", made_b)
    return row_a, made_a, row_b, made_b


@in_module_loop
@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
async def test_rows_of_one_tenant_are_invisible_to_another(model, tenant, other_tenant) -> None:
    row_a, made_a, row_b, made_b = await look_alikes(model, tenant, other_tenant)
    with use_tenant(tenant):
        fresh_a = await model.get(pk=row_a.pk)  # as read in A's own scope

    assert row_a.tenant_id == tenant.id and row_b.tenant_id == other_tenant.id
    prefix = f"{model.public_id_prefix}_"
    assert row_a.public_id.startswith(prefix) and row_b.public_id.startswith(prefix)
    assert row_a.public_id != row_b.public_id

    with use_tenant(other_tenant):
        assert await model.get_or_none(pk=row_a.pk) is None
        assert await model.get_or_none(public_id=row_a.public_id) is None
        with pytest.raises(DoesNotExist):
            await model.get(public_id=row_a.public_id)
        assert not await model.exists(pk=row_a.pk)
        both = [row_a.public_id, row_b.public_id]
        assert await model.filter(public_id__in=both).values_list("public_id", flat=True) == [row_b.public_id]
        assert await model.exclude(pk=row_b.pk).filter(pk=row_a.pk).count() == 0
        listed = [row.pk for row in await model.all()]
        assert row_a.pk not in listed and row_b.pk in listed
        assert await model.all().count() == len(listed)
        assert set(await model.in_bulk([row_a.pk, row_b.pk], "id")) == {row_b.pk}
        assert [r["id"] for r in await model.filter(pk__in=[row_a.pk, row_b.pk]).values("id")] == [row_b.pk]
        # Writes through querysets cannot reach A's row either.
        assert await model.filter(pk=row_a.pk).update(created_at=datetime(2000, 1, 1, tzinfo=timezone.utc)) == 0
        assert await model.filter(pk=row_a.pk).delete() == 0

        for name, source, _, parent in model._links():
            parent_a, parent_b = made_a[parent], made_b[parent]
            # Following A's link from B's scope leads nowhere.
            assert await getattr(fresh_a, name) is None, f"{model.__name__}.{name}"
            assert await model.filter(**{source: parent_a.pk}).count() == 0
            related = reverse_name(parent, model, source)
            if related is None:
                continue
            # A's parent, carried into B's scope, lists none of its children.
            assert pks(await getattr(parent_a, related).all()) == [], f"{parent.__name__}.{related}"
            children = pks(await getattr(parent_b, related).all())
            assert children == [row_b.pk], f"{parent.__name__}.{related}"
            prefetched = await parent.filter(pk=parent_b.pk).prefetch_related(related).first()
            assert pks(getattr(prefetched, related)) == [row_b.pk]

    with use_tenant(tenant):
        assert await model.get(pk=row_a.pk)  # untouched by B's update and delete

    # Reverse relations are scoped by themselves, not only by links being
    # right: a row of A pointed at B's parent with plain SQL, past every
    # guard, still stays out of B's lists.
    for name, source, _, parent in model._links():
        related = reverse_name(parent, model, source)
        if related is None or name in model._meta.o2o_fields:
            continue  # (the database itself refuses a second row on a one-to-one parent)
        # The stray row gets fresh parents of its own in A, so no unique
        # constraint on its links collides with A's rows before it is corrupted.
        with use_tenant(tenant):
            stray = await build(model, f"s{next(_SERIAL)}", {}, look_alike=False)
        parent_b = made_b[parent]
        await raw_link(model, stray.pk, source, parent_b.pk)
        with use_tenant(other_tenant):
            assert pks(await getattr(parent_b, related).all()) == [row_b.pk]
            prefetched = await parent.filter(pk=parent_b.pk).prefetch_related(related).first()
            assert pks(getattr(prefetched, related)) == [row_b.pk]
            await parent_b.fetch_related(related)
            assert pks(getattr(parent_b, related)) == [row_b.pk]


@in_module_loop
@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
async def test_rows_cannot_be_written_across_tenants_or_without_one(model, tenant, other_tenant) -> None:
    row_a, made_a, row_b, made_b = await look_alikes(model, tenant, other_tenant)
    with use_tenant(tenant):
        loaded_a = await model.get(pk=row_a.pk)
        before = await model.filter(pk=row_a.pk).values_list("public_id", flat=True)

    with use_tenant(other_tenant):
        for row in (row_a, loaded_a):
            with pytest.raises(CrossTenantError):
                await row.save()
            with pytest.raises(CrossTenantError):
                await row.delete()
            with pytest.raises(CrossTenantError):
                await row.refresh_from_db()
        with pytest.raises(CrossTenantError):
            await model(tenant=tenant).save()
        with pytest.raises(CrossTenantError):
            await model.bulk_create([model(tenant_id=tenant.id)])
        with pytest.raises(CrossTenantError):
            await model.bulk_update([loaded_a], ["created_at"])
        with pytest.raises(CrossTenantError):
            await model.filter(pk=row_b.pk).update(tenant_id=tenant.id)

        # A's row cannot be moved into B either.
        loaded_a.tenant_id = other_tenant.id
        with pytest.raises(CrossTenantError):
            await loaded_a.save()

        # B's row cannot link to A's rows, by object or by id.
        for name, source, _, parent in model._links():
            parent_a = made_a[parent]
            stale = await model.get(pk=row_b.pk)
            setattr(stale, name, parent_a)
            with pytest.raises(CrossTenantError):
                await stale.save()
            stale = await model.get(pk=row_b.pk)
            setattr(stale, source, parent_a.pk)
            with pytest.raises(CrossTenantError):
                await stale.save(update_fields=[name])
            with pytest.raises(CrossTenantError):
                await model.filter(pk=row_b.pk).update(**{source: parent_a.pk})
            with pytest.raises(CrossTenantError):
                await model.filter(pk=row_b.pk).update(**{name: parent_a})
            assert getattr(await model.get(pk=row_b.pk), source) == made_b[parent].pk

    with use_tenant(tenant):
        assert await model.filter(pk=row_a.pk).values_list("public_id", flat=True) == before
        assert (await model.get(pk=row_a.pk)).tenant_id == tenant.id

    # Outside any tenant scope nothing reads or writes.
    for attempt in (
        lambda: model.all(),
        lambda: model.filter(pk=row_a.pk),
        lambda: model.get_or_none(pk=row_a.pk),
        lambda: model.exists(pk=row_a.pk),
        lambda: model.first(),
        lambda: model.all().count(),
        lambda: model.in_bulk([row_a.pk], "id"),
        lambda: model.raw(f'SELECT * FROM "{model._meta.db_table}"'),
        lambda: model.create(),
        lambda: model.bulk_create([row_a]),
        lambda: row_a.save(),
        lambda: row_a.delete(),
    ):
        with pytest.raises(NoTenantError):
            await attempt()


@in_module_loop
async def test_links_within_a_tenant_still_work(tenant) -> None:
    """The guards refuse only foreign rows: ordinary saves, updates and links pass."""
    from core.models.customers import Contact, CustomerAccount

    with use_tenant(tenant):
        first = await CustomerAccount.create(number="1", name="First")
        second = await CustomerAccount.create(number="2", name="Second")
        contact = await Contact.create(account=first, first_name="Ann")
        contact.account_id = second.id
        await contact.save()
        loaded = await Contact.get(pk=contact.pk)
        assert loaded.account_id == second.id
        loaded.first_name = "Anne"
        await loaded.save(update_fields=["first_name"])
        assert await Contact.filter(pk=contact.pk).update(account_id=first.id) == 1
        assert await Contact.filter(pk=contact.pk).update(account=second) == 1
        await Contact.bulk_create([Contact(account=first, first_name="Bob")])
        assert await first.contacts.all().count() == 1
        await loaded.refresh_from_db()
        assert loaded.account_id == second.id
        await loaded.delete()
        assert not await Contact.exists(pk=contact.pk)
