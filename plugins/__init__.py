"""Porchside's built-in plugins, each loaded through the ``porchside`` entry points."""
