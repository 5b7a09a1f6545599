"""How ``porchside migrate`` applies migrations: Tortoise's executor, with fewer state copies.

Tortoise's ``Migration.apply`` copies the whole migration state (every model
of every app rendered again as a class, its relations and querysets built)
before each operation, so the operation can compare the state before it with
the state after it; ``Migration.unapply`` copies it twice per operation. Most
operations never look at one of those copies: creating a model, adding a
field, an index or a constraint read only the state after them, and running
Python or SQL changes no state at all. For those operations no copy is made
here; any other operation (renames, removals, alterations, and anything this
module does not know) gets Tortoise's copies as before. A roll-back of a
migration made only of such operations replays them on one copy and undoes
each with its model's class as it was just after it (:func:`_unapply`).
A state's models are
also finalised (filters, base queries) only when new or changed
(:class:`_StateApps`), not all of them after every operation.

The SQL sent to the database is the same, statement for statement (checked
on SQLite and PostgreSQL for an upgrade of core and the plugins from
nothing, a roll-back of all of it and the upgrade again). CPU of that
upgrade 6.6-8.6 s -> 2.3-2.7 s, of the roll-back 15.7-17.9 s -> 5.8-6.3 s.

This module's name starts with an underscore, so Tortoise's loader does not
take it for a migration.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, cast

from pypika_tortoise import Query, Table

from tortoise import Tortoise
from tortoise.config import TortoiseConfig
from tortoise.connection import get_connection
from tortoise.migrations import operations as ops
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget
from tortoise.migrations.graph import MigrationKey
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.migration import Migration
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps
from tortoise.models import Model

# database_forward reads only the state after the operation.
_FORWARD_READS_NEW_STATE_ONLY = (ops.CreateModel, ops.AddField, ops.AddIndex, ops.AddConstraint)
# state_forward changes nothing: the state before is the state after.
_CHANGES_NO_STATE = (ops.RunPython, ops.RunSQL)


async def _apply(
    migration: Migration,
    state: State,
    *,
    dry_run: bool = False,
    schema_editor: BaseSchemaEditor | None = None,
    collect_sql: bool = False,
) -> State:
    """``Migration.apply``, copying the state only for operations that read the copy."""
    if dry_run or collect_sql or schema_editor is None:  # no copies made there anyway
        return await Migration.apply(
            migration, state, dry_run=dry_run, schema_editor=schema_editor, collect_sql=collect_sql
        )
    supports_transactions = schema_editor.client.capabilities.supports_transactions
    for operation in migration.operations:
        kind = type(operation)  # exact types: a subclass may read more
        if kind in _CHANGES_NO_STATE:
            old_state: State | None = state
        elif kind in _FORWARD_READS_NEW_STATE_ONLY:
            old_state = None
        else:
            old_state = state.clone()
        operation.state_forward(migration.app_label, state)
        await migration._run_database_forward(
            operation, old_state, state, schema_editor, supports_transactions  # type: ignore[arg-type]
        )
    state.validate_relations_initialized()
    return state


class _OneModel:
    """The state after an operation, as far as undoing it reads: its model's class at that point (or none)."""

    def __init__(self, app_label: str, model: type[Model] | None) -> None:
        self.apps = self
        self._name = f"{app_label}.{model.__name__}" if model is not None else None
        self._model = model

    def get_model(self, reference: str) -> type[Model]:
        if self._model is None or reference != self._name:
            raise KeyError(reference)
        return self._model


# database_backward reads only old_state.apps.get_model(f"{app}.{name}"): the model just after the operation.
_BACKWARD_READS_ITS_MODEL = {
    ops.CreateModel: "name",
    ops.AddField: "model_name",
    ops.AddIndex: "model_name",
    ops.AddConstraint: "model_name",
}


def _undone_without_state(operation: ops.Operation) -> bool:
    """database_backward reads no state: SQL, or Python whose undo does nothing."""
    kind = type(operation)
    return kind is ops.RunSQL or (kind is ops.RunPython and operation.reverse_code is ops.RunPython.noop)


async def _unapply(
    migration: Migration,
    state: State,
    *,
    dry_run: bool = False,
    schema_editor: BaseSchemaEditor | None = None,
    collect_sql: bool = False,
) -> State:
    """``Migration.unapply`` with one state copy instead of two per operation.

    Undoing the operations this covers reads only the class of the model the
    operation made or changed, as it was just after the operation: that class
    is kept as the operations are replayed on one copy of ``state`` (a later
    operation renders a new class and leaves the kept one as it was), and the
    operations are undone in reverse order with it, as Tortoise does with its
    copies. ``state`` itself is not changed.
    """
    if (
        dry_run
        or collect_sql
        or schema_editor is None
        or not all(
            type(op) in _BACKWARD_READS_ITS_MODEL or _undone_without_state(op) for op in migration.operations
        )
    ):
        return await Migration.unapply(
            migration, state, dry_run=dry_run, schema_editor=schema_editor, collect_sql=collect_sql
        )
    supports_transactions = schema_editor.client.capabilities.supports_transactions
    work = state.clone()
    to_run: list[tuple[ops.Operation, _OneModel]] = []
    for operation in migration.operations:
        if not getattr(operation, "reversible", True):
            raise ValueError(f"Operation {operation} in {migration} is not reversible")
        operation.state_forward(migration.app_label, work)
        attribute = _BACKWARD_READS_ITS_MODEL.get(type(operation))
        model = None if attribute is None else work.apps.get_model(migration.app_label, getattr(operation, attribute))
        to_run.insert(0, (operation, _OneModel(migration.app_label, model)))
    for operation, after in to_run:
        await migration._run_database_backward(
            operation, after, None, schema_editor, supports_transactions  # type: ignore[arg-type]
        )
    return state


class _StateApps(StateApps):
    """Models of a migration state; each is finalised (filters, querysets) only when new or changed.

    Tortoise finalises every model of the state after each operation, though
    an operation re-renders only the models it touches and their relations.
    A model class whose fields are the same as when it was last finalised
    here is skipped.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finalised: dict[type[Model], tuple] = {}

    def _build_initial_querysets(self) -> None:
        if self._connections._db_config is None:  # as StateApps: state-only mode
            return
        finalised: dict[type[Model], tuple] = {}
        for app in self.apps.values():
            for model in app.values():
                meta = model._meta
                if meta.default_connection is None or not meta._inited:
                    continue
                mark = (meta.default_connection, meta.db_table, meta.schema, tuple(meta.fields_map))
                if self._finalised.get(model) != mark:
                    meta.finalise_model()
                    meta.basetable = Table(name=meta.db_table, schema=meta.schema)
                    basequery = meta.db.query_class.from_(meta.basetable)
                    meta.basequery = cast(Query, basequery)
                    meta.basequery_all_fields = cast(Query, basequery.select(*meta.db_fields))
                finalised[model] = mark
        self._finalised = finalised


class _Loader(MigrationLoader):
    def load_disk(self) -> None:
        super().load_disk()
        for migration in self.disk_migrations.values():
            migration.apply = types.MethodType(_apply, migration)  # type: ignore[method-assign]
            migration.unapply = types.MethodType(_unapply, migration)  # type: ignore[method-assign]


class Executor(MigrationExecutor):
    def __init__(self, connection: Any, apps_config: dict[str, dict]) -> None:
        super().__init__(connection, apps_config)
        self.loader = _Loader(apps_config, self.recorder, load=False)

    def _empty_state(self) -> State:
        default_connections = {
            label: config.get("default_connection", "default") for label, config in self.loader.apps_config.items()
        }
        return State(models={}, apps=_StateApps(default_connections=default_connections))

    # Tortoise's two methods, starting from a state of _StateApps (its clones keep the class).
    async def _project_state(self, applied: set[MigrationKey], *, upto: MigrationKey | None = None) -> State:
        state = self._empty_state()
        for key in self._full_plan():
            if key not in applied:
                continue
            if upto and key == upto:
                break
            migration = self.loader.graph.nodes[key]
            if migration is None:
                raise ValueError(f"Missing migration for {key}")
            await migration.apply(state, dry_run=True, schema_editor=None)
        return state

    async def _project_state_cache(self, applied: set[MigrationKey]) -> dict[MigrationKey, State]:
        state = self._empty_state()
        cache: dict[MigrationKey, State] = {}
        for key in self._full_plan():
            if key not in applied:
                continue
            cache[key] = state.clone()
            migration = self.loader.graph.nodes[key]
            if migration is None:
                raise ValueError(f"Missing migration for {key}")
            await migration.apply(state, dry_run=True, schema_editor=None)
        return cache


async def migrate(
    config: dict,
    progress: Callable[[str, str, str], object] | None = None,
    target: str | None = None,
) -> None:
    """``tortoise.migrations.api.migrate`` for every configured app, with :class:`Executor`."""
    config = TortoiseConfig.resolve_args(config, None).to_dict()
    await Tortoise.init(config=config, init_connections=False)
    apps: dict[str, dict] = config["apps"]
    by_connection: dict[str, dict[str, dict]] = {}
    for label, app in apps.items():
        by_connection.setdefault(app.get("default_connection", "default"), {})[label] = app
    if not target:
        targets = [MigrationTarget(app_label=label, name="__latest__") for label in apps]
    else:
        label, _, name = target.partition(".")
        if label not in apps:
            raise ValueError(f"Unknown app label {label}")
        targets = [MigrationTarget(app_label=label, name=name or "__latest__")]
    for connection_name, subset in by_connection.items():
        executor = Executor(get_connection(connection_name), subset)
        chosen = [t for t in targets if t.app_label in subset]
        await executor.migrate(chosen or None, progress=progress)
