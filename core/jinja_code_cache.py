"""Compiled Jinja templates shared by the Jinja environments of one process.

Each app has Jinja environments of its own (pages, emails) and compiles a
template the first time it renders it: parse, generate Python, ``compile()``.
A server compiles each template once, but the test suite starts an app per
test, and recompiling the same unchanged templates was about a seventh of a
portal test's time. :class:`SharedTemplateCode` is a Jinja bytecode cache
kept in memory: an environment finds the code another environment with the
same compile settings made for the same source, and a changed source is
compiled again (the key holds its checksum). ``core.testing.make_app`` gives
it to every app it starts.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache


def _plain(value: Any) -> Any:
    """A bound method as its function: each app binds Quart's autoescape choice anew."""
    return getattr(value, "__func__", value)


def compile_settings(environment: Environment, name: str) -> tuple:
    """What Jinja's compiler reads from ``environment`` for template ``name``.

    Filters and tests count by name and by what they ask to be passed
    (context, environment), which the generated code depends on.
    """
    autoescape = environment.autoescape(name) if callable(environment.autoescape) else environment.autoescape
    return (
        type(environment),
        environment.is_async,
        environment.optimized,
        autoescape,
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        tuple(sorted(environment.extensions)),
        environment.code_generator_class,
        _plain(environment.finalize),
        tuple(sorted((key, getattr(f, "jinja_pass_arg", None)) for key, f in environment.filters.items())),
        tuple(sorted((key, getattr(f, "jinja_pass_arg", None)) for key, f in environment.tests.items())),
    )


class SharedTemplateCode(BytecodeCache):
    """An in-memory Jinja bytecode cache keyed by compile settings, name, file and source."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, Any]] = {}

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = repr((compile_settings(environment, name), name, filename))
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]  # code objects are immutable: safe to share

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self._code.clear()

    def __len__(self) -> int:
        return len(self._code)
