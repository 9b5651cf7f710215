"""The ``lb-export`` commands, run as a user would (click's runner; real files, real emulator)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lb_export_pipeline.cli import main
from lb_export_pipeline.emulator import FIXTURE_RUN_ID


def test_flatten_prints_rows_per_table_and_sql_queries_them(tmp_path: Path, seed_export: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert "classifications" in result.output and "5 lines" in result.output
    assert "a08c8321-3e07-06d8-43d2-a26ce0d9862c" in result.output and "total" in result.output
    query = runner.invoke(main, ["sql", str(tmp_path / "t"), "-c",
                                 "select count(*) as n from classifications"])
    assert query.exit_code == 0 and "78" in query.output


def test_flatten_reports_quarantined_lines(tmp_path: Path, seed_export: Path) -> None:
    export = tmp_path / "bad.ndjson"
    export.write_bytes(seed_export.read_bytes() + b"not json\n")
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0
    assert "1 line(s) named no model run" in result.output
    assert "bad.ndjson line 6: not valid JSON" in result.output


def test_export_downloads_from_the_emulator(tmp_path: Path, emulator: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LABELBOX_API_KEY", "cli-key-4242")
    out = tmp_path / "run.ndjson.gz"
    result = CliRunner().invoke(main, ["export", "--model-run", FIXTURE_RUN_ID, "--out", str(out),
                                       "--endpoint", emulator.graphql_url, "--poll-interval", "0.01"])
    assert result.exit_code == 0, result.output
    assert "5 lines" in result.output and "cli-key-4242" not in result.output
    assert gzip.decompress(out.read_bytes()).count(b"\n") == 5


def test_export_errors_are_one_clear_line(tmp_path: Path, emulator: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("LABELBOX_API_KEY", "cli-key-4242")
    result = CliRunner().invoke(main, ["export", "--model-run", "missing", "--out", str(tmp_path / "x.ndjson"),
                                       "--endpoint", emulator.graphql_url])
    assert result.exit_code == 1
    assert "ResourceNotFoundError: model run 'missing' not found" in result.output


def test_ddl_and_schema_commands() -> None:
    runner = CliRunner()
    athena = runner.invoke(main, ["ddl", "--engine", "athena", "--location", "s3://b/lake/tables"])
    assert "TBLPROPERTIES ('table_type' = 'DELTA')" in athena.output  # object store -> delta layout
    spark = runner.invoke(main, ["ddl", "--engine", "spark", "--location", "/data/tables"])
    assert "USING PARQUET\nPARTITIONED BY (model_run_id)" in spark.output
    schema = runner.invoke(main, ["schema"])
    assert "Natural key: `(model_run_id, data_row_id)`" in schema.output


def test_flatten_refuses_a_json_array_in_one_line(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[{"data_row": {"id": "x"}}]\n')
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 1
    assert "line 1 starts a JSON array" in result.output and "Traceback" not in result.output
