"""Core's tests use the fixtures shipped in :mod:`core.testing` (a pytest11 plugin)."""
