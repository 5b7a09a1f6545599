"""Tests of the quotes plugin, with the fixtures every plugin author has (core.testing)."""
