"""docs/models.md is written from the models and kept true to them (python -m core.models.reference)."""

from __future__ import annotations

from core.models import reference


def test_docs_models_md_is_what_the_models_say():
    assert reference.OUTPUT.read_text() == reference.render(), (
        f"docs/models.md is stale: run `{reference.COMMAND}` and commit the file"
    )


def test_every_field_a_plugin_may_read_says_what_it_means():
    missing = [
        f"{model.__name__}.{name}"
        for model in reference.core_models() if reference.plugin_facing(model)
        for name in reference.listed_fields(model)
        if not reference._meaning(model, name, model._meta.fields_map[name], reference._comments_above(model))
    ]
    assert not missing, f"give these fields a description= or a MEANINGS entry in core/models/reference.py: {missing}"


def test_the_access_table_names_only_models_that_exist():
    names = {model.__name__ for model in reference.core_models()}
    assert set(reference.ACCESS) <= names
    assert {"Job", "Visit", "Invoice", "CustomerAccount", "StaffUser"} <= {m.__name__ for m in reference.core_models() if reference.plugin_facing(m)}


def test_the_check_command_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "models.md"
    stale.write_text("# old\n")
    monkeypatch.setattr(reference, "OUTPUT", stale)
    assert reference.main(["--check"]) == 1
    assert "is stale; run python -m core.models.reference" in capsys.readouterr().err
    assert reference.main([]) == 0
    assert reference.main(["--check"]) == 0
