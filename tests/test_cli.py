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


def test_flatten_keeps_an_unknown_top_level_field_in_extra(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    export = tmp_path / "odd.ndjson"
    export.write_bytes(b'{"colour":"red",' + seed_export.read_bytes().removeprefix(b"{"))
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    got = duck(tmp_path / "t").execute("select data_row_id, extra from data_rows where extra is not null").fetchall()
    assert got == [("cldw8hs6l1ii9070lcysma1zk", '{"top":{"colour":"red"}}')]


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
    quoted = runner.invoke(main, ["ddl", "--engine", "trino", "--location", "/data/o_bob's"])
    assert quoted.exit_code == 0 and "external_location = '/data/o_bob''s/objects'" in quoted.output
    broken = runner.invoke(main, ["ddl", "--engine", "trino", "--location", "/data/x\nDROP TABLE y;--"])
    assert broken.exit_code == 2 and "--location" in broken.output and "holds a line break" in broken.output
    schema = runner.invoke(main, ["schema"])
    assert "Natural key: `(model_run_id, data_row_id)`" in schema.output


def test_flatten_refuses_a_json_array_in_one_line(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[{"data_row": {"id": "x"}}]\n')
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 1
    assert "line 1 starts a JSON array" in result.output and "Traceback" not in result.output


def test_sql_examples_and_the_interactive_shell(tmp_path: Path, seed_export: Path) -> None:
    from lb_export_pipeline.cli.examples import EXAMPLES

    runner = CliRunner()
    assert runner.invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "t")]).exit_code == 0
    examples = runner.invoke(main, ["sql", str(tmp_path / "t"), "--examples"])
    assert examples.exit_code == 0, examples.output
    assert all(f"-- {title}" in examples.output for title in EXAMPLES)
    # a statement may span lines; an error is reported and the shell goes on
    shell = runner.invoke(main, ["sql", str(tmp_path / "t")],
                          input="select count(*) as n\nfrom objects;\nselect nope;\nselect 41 + 1 as answer;\n")
    assert shell.exit_code == 0, shell.output
    assert "36" in shell.output and "nope" in shell.output and "42" in shell.output


def test_emulator_command_serves_what_it_lists(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time

    from lb_export_pipeline.labelbox import ClientConfig, LabelboxClient

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = Path(sys.executable).parent / "lb-export"
    proc = subprocess.Popen([str(cli), "emulator", "--port", str(port), "--models", "1", "--runs-per-model", "2",
                             "--rows", "5"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any("export LABELBOX_ENDPOINT" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stdout.readline())
        listed = {line.split()[2] for line in lines if line.strip().startswith("model run")}
        client = LabelboxClient(config=ClientConfig.create("anything", f"http://127.0.0.1:{port}/graphql"))
        served = {run.id for model in client.list_models() for run in client.list_model_runs(model.id)}
        assert len(listed) == 3 and listed == served  # 2 synthetic runs + the fixture run
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- answers that must not mislead -------------------------------------------------------------------------


def test_sql_examples_limit_every_answer_to_ten_rows(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    from lb_export_pipeline.cli.examples import EXAMPLES, limited

    runner = CliRunner()
    assert runner.invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "t")]).exit_code == 0
    result = runner.invoke(main, ["sql", str(tmp_path / "t"), "--examples"])
    assert result.exit_code == 0, result.output
    con = duck(tmp_path / "t")
    counts = {title: len(con.execute(limited(sql)).fetchall()) for title, sql in EXAMPLES.items()}
    assert all(0 < n <= 10 for n in counts.values()), counts
    # It ends in a -- comment: a LIMIT appended on its line was commented out (12 objects match).
    assert counts["one split, a slice of global keys, or hand-picked data rows"] == 10


def test_sql_on_a_folder_without_tables_says_so(tmp_path: Path, seed_export: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "lake" / "tables")]).exit_code == 0
    result = runner.invoke(main, ["sql", str(tmp_path / "lake"), "-c", "select count(*) from objects"])
    assert result.exit_code == 1
    assert f"no tables under {tmp_path / 'lake'}" in result.output
    assert f"did you mean {tmp_path / 'lake' / 'tables'}?" in result.output


def test_sql_error_is_one_line_and_exits_non_zero(tmp_path: Path, seed_export: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "t")]).exit_code == 0
    result = runner.invoke(main, ["sql", str(tmp_path / "t"), "-c", "select nope from objects"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        'Error: Binder Error: Referenced column "nope" not found in FROM clause!']


def test_an_empty_export_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    for name, data in (("empty.ndjson", b""), ("blank.ndjson", b"\n\r\n"), ("empty.ndjson.gz", gzip.compress(b""))):
        export = tmp_path / name
        export.write_bytes(data)
        result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
        assert result.exit_code == 1
        assert f"{export}: no data rows (the file is empty); nothing was written" in result.output
        assert not (tmp_path / "t").exists()


def test_an_export_whose_every_line_was_quarantined_exits_non_zero(tmp_path: Path) -> None:
    export = tmp_path / "bad.ndjson"
    export.write_bytes(b'not json\n{"data_row": {"id": 7}, "experiments": {}}\n')
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "t")])
    assert result.exit_code == 1
    quarantine = tmp_path / "t" / "_quarantine" / "bad.ndjson"  # not bad.ndjson.ndjson
    assert f"every line (2) was quarantined, no row landed; the reasons are in {quarantine}" in result.output
    assert "field data_row.id: expected a string, got a number (7)" in result.output
    assert quarantine.read_bytes().count(b"\n") == 2
    assert not (tmp_path / "t" / ".staging").exists()


def test_a_model_run_id_not_in_the_export_is_refused(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    runner = CliRunner()
    out = tmp_path / "t"
    assert runner.invoke(main, ["flatten", str(seed_export), "--out", str(out)]).exit_code == 0
    result = runner.invoke(main, ["flatten", str(seed_export), "--out", str(out), "--model-run-id", "typo-id"])
    assert result.exit_code == 1
    assert "model run 'typo-id' is not in this export, which holds rows of 5 other model run(s)" in result.output
    assert "nothing was written" in result.output
    assert not (out / "data_rows" / "model_run_id=typo-id").exists()
    assert duck(out).execute("select count(*) from data_rows").fetchone()[0] == 5


def test_out_being_a_file_is_one_clear_line(tmp_path: Path, seed_export: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    result = CliRunner().invoke(main, ["flatten", str(seed_export), "--out", str(tmp_path / "afile")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"--out {tmp_path / 'afile'} is a file" in result.output
    assert (tmp_path / "afile").read_text() == "mine"


def test_export_without_a_key_names_the_environment_variable(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("LABELBOX_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["export", "--model-run", "x", "--out", str(tmp_path / "x.ndjson")])
    assert result.exit_code == 1
    assert "no Labelbox API key: set LABELBOX_API_KEY" in result.output and "api_key" not in result.output


def test_emulator_on_a_busy_port_fails_before_its_banner() -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cli = Path(sys.executable).parent / "lb-export"
        done = subprocess.run([str(cli), "emulator", "--port", str(port), "--rows", "5"], capture_output=True,
                              text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "model run" not in done.stdout and "LABELBOX_ENDPOINT" not in done.stdout
