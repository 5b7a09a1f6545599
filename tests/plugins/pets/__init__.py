"""Pets: a plugin with a model of its own, migrated as its own Tortoise app.

``migrations/`` was written by ``porchside makemigrations`` (core.db.make_migrations).
"""

from __future__ import annotations

from core import hookimpl
from core.records import ModelApp


@hookimpl
def porchside_model_apps():
    return [ModelApp(label="pets", modules=("tests.plugins.pets.models",), migrations="tests.plugins.pets.migrations")]
