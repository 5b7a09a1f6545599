"""Tests of the marketing plugin, with the fixtures every plugin author has (core.testing)."""
