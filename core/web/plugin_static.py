"""Serves each plugin's static folder at ``/plugin-static/<name>/<path>``."""

from __future__ import annotations

from quart import Blueprint, abort, send_from_directory

from core.plugins import PluginHost


def make_blueprint(host: PluginHost) -> Blueprint:
    blueprint = Blueprint("plugin_static", __name__)
    folders = {name: declared.record.path for name, declared in host.declared.static_dirs.items()}

    @blueprint.get("/plugin-static/<name>/<path:filename>")
    async def serve(name: str, filename: str):
        folder = folders.get(name)
        if folder is None:
            abort(404)
        return await send_from_directory(folder, filename)

    return blueprint
