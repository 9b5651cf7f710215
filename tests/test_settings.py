"""One settings module: every ``LB_*`` / ``LABELBOX_*`` name is declared there once, the package spells
none of them anywhere else, and the README's configuration table lists exactly these names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lb_export_pipeline import settings
from lb_export_pipeline.settings import SETTINGS, Setting

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "lb_export_pipeline"
ENV_NAME = re.compile(r"^(?:LB|LABELBOX)_[A-Z0-9_]+$")


def test_each_name_is_declared_once_with_a_meaning() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names)) and all(ENV_NAME.match(n) for n in names)
    assert all(s.meaning for s in SETTINGS)
    declared = {v.name for v in vars(settings).values() if isinstance(v, Setting)}
    assert declared == set(names)  # every module-level Setting is in SETTINGS


def test_the_package_spells_no_name_outside_the_settings_module() -> None:
    spelled: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "settings.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and ENV_NAME.match(node.value):
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
            if isinstance(node, ast.keyword) and node.arg and ENV_NAME.match(node.arg):
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.arg}=")
    assert spelled == []


def _readme_table_rows() -> dict[str, str]:
    """Each variable named in the first column of the README's configuration table -> its row."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Configuration reference", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return {name: row for row in rows for name in re.findall(r"`((?:LB|LABELBOX)_[A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_configuration_table_lists_exactly_these_names_with_their_defaults() -> None:
    rows = _readme_table_rows()
    assert set(rows) == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        assert setting.default is None or setting.default in rows[setting.name], setting.name


def test_values_defaults_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.LB_EXPORT_ROOT.name, raising=False)
    assert settings.LB_EXPORT_ROOT.value() is None and settings.LB_EXPORT_ROOT.get() == "lb_export_data"
    monkeypatch.setenv(settings.LB_MODEL_IDS.name, " a, b ,,c ")
    assert settings.LB_MODEL_IDS.get_list() == ["a", "b", "c"]
    monkeypatch.setenv(settings.LB_FLATTEN_WORKERS.name, "three")
    with pytest.raises(ValueError, match="LB_FLATTEN_WORKERS must be a whole number, got 'three'"):
        settings.LB_FLATTEN_WORKERS.get_int()


def test_export_option_defaults_are_declared_once() -> None:
    """The resource, the CLI's flags and the emulator's generator all take ExportParams()'s defaults."""
    from dataclasses import fields

    from lb_export_pipeline.cli import export_command
    from lb_export_pipeline.defs.resources import LabelboxResource
    from lb_export_pipeline.emulator.synthetic import ALL_OPTIONS
    from lb_export_pipeline.labelbox import ExportParams

    defaults = ExportParams()
    assert LabelboxResource().export_params() == defaults
    assert defaults == ALL_OPTIONS
    flags = {p.name: p.default for p in export_command.params}
    assert {f.name: flags[f.name] for f in fields(ExportParams)} == {
        f.name: getattr(defaults, f.name) for f in fields(ExportParams)}
    assert (defaults.attachments, defaults.metadata_fields, defaults.embeddings) == (True, True, False)
