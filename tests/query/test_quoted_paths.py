"""A tables root whose path holds a quote (``o_bob's``) reaches SQL as a quoted literal, not spliced in."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lb_export_pipeline.cli import main
from lb_export_pipeline.defs import DuckDBTablesResource
from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.query import connect


def test_a_root_with_a_quote_is_queried_by_every_entry_point(tmp_path: Path, seed_export: Path) -> None:
    root = tmp_path / "o_bob's" / "tables"
    flatten_export(seed_export, root)
    assert connect(root).execute("select count(*) from objects").fetchone() == (36,)
    resource = DuckDBTablesResource(root=str(root)).connect()
    assert resource.execute("select count(distinct model_run_id) from data_rows").fetchone() == (5,)
    result = CliRunner().invoke(main, ["sql", str(root), "-c", "select count(*) as n from classifications"])
    assert result.exit_code == 0, result.output
    assert "78" in result.output
