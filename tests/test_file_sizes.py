"""File sizes in the reader's language and digits (issue 17): "1.7 kB", "1,7 ko"."""

from __future__ import annotations

from types import SimpleNamespace

from core import i18n
from core.web.rendering import format_file_size


def test_a_size_is_written_in_the_readers_units_and_digits():
    assert format_file_size(1, None) == "1 byte"
    assert format_file_size(999, None) == "999 bytes"
    assert format_file_size(1_700, None) == "1.7 kB"
    assert format_file_size(2_345_678, None) == "2.3 MB"
    assert format_file_size(5_000_000_000, None) == "5.0 GB"
    with i18n.language("fr"):
        assert format_file_size(1_700, None) == "1,7 ko"
        assert format_file_size(2_345_678, None) == "2,3 Mo"
        assert format_file_size(500, None) == "500 octets"
    # Digits follow the business's country: a Spanish reader of a US business reads "1.7".
    with i18n.language("es"):
        assert format_file_size(1_700, None) == "1.7 kB"
        assert format_file_size(1_700, SimpleNamespace(locale="es_ES")) == "1,7 kB"


def test_every_template_writes_sizes_in_the_readers_language():
    from jinja2 import Environment

    from core.web.rendering import install_filters

    env = Environment()
    install_filters(env)
    # Every template's size filter, Jinja's own name included, is the reader's.
    with i18n.language("fr"):
        assert env.from_string("{{ 1700|filesize }} {{ 1700|filesizeformat }}").render() == "1,7 ko 1,7 ko"
