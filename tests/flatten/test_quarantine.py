"""Bad lines go to quarantine with their line number and reason; the rest of the file lands."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import QUARANTINE_FILE, CorruptGzipError, flatten_export, read_quarantine
from tests.conftest import refusal, seed_rows, write_lines

IMAGE_RUN = "a08c8321-3e07-06d8-43d2-a26ce0d9862c"


def _bad_bbox_row() -> dict[str, Any]:
    row = seed_rows()[0]
    run = row["models"]["a08c8320-f6da-01c7-ddfc-440ea660acc2"]["model_runs"][IMAGE_RUN]
    run["labels"][0]["annotations"]["objects"][0]["bounding_box"]["top"] = "not a number"
    return row


def test_malformed_lines_are_quarantined_with_line_and_reason(tmp_path: Path, duck: Any) -> None:
    rows = seed_rows()
    no_id = dict(rows[1])
    no_id["data_row"] = {k: v for k, v in rows[1]["data_row"].items() if k != "id"}
    lines: list[Any] = [rows[0], b'{"data_row": {"id": "x"', no_id, b"[1, 2, 3]", rows[2], rows[3], rows[4]]
    export = write_lines(tmp_path / "export.ndjson", lines)
    result = flatten_export(export, tmp_path / "out")

    assert result.rows["data_rows"] == 4  # the good lines all landed
    assert result.quarantined == 3
    # Lines that name no model run go to the file-level quarantine.
    assert result.unattributed_path == tmp_path / "out" / "_quarantine" / "export.ndjson"
    records = read_quarantine(result.unattributed_path)
    assert [(r["line"], r["field"]) for r in records] == [(2, ""), (4, "")]
    assert records[0]["reason"].startswith("not valid JSON")
    assert records[0]["raw"] == '{"data_row": {"id": "x"'
    assert "expected an object" in records[1]["reason"]
    # The line with no data_row.id names its run, so its record sits beside that partition.
    text_run = "a089fc39-d06d-00c1-ee95-e49521276427"
    part = result.partitions[text_run]
    assert part.rows["data_rows"] == 0 and part.quarantined == 1
    (record,) = read_quarantine(tmp_path / "out" / "data_rows" / f"model_run_id={text_run}" / QUARANTINE_FILE)
    assert (record["line"], record["field"], record["reason"]) == (3, "data_row.id", "missing or empty")
    assert "export.ndjson line 2: not valid JSON" in result.first_errors[0]


def test_wrong_type_names_the_column_and_keeps_the_rest(tmp_path: Path, duck: Any) -> None:
    rows = seed_rows()
    export = write_lines(tmp_path / "export.ndjson", [rows[1], _bad_bbox_row(), rows[2]])
    result = flatten_export(export, tmp_path / "out")
    assert result.quarantined == 1
    (record,) = read_quarantine(result.partitions[IMAGE_RUN].quarantine_path)  # type: ignore[arg-type]
    assert record["line"] == 2
    assert record["field"] == "objects.bbox_top"
    assert record["reason"] == (
        "column objects.bbox_top: 'not a number' is not a valid value for this column's type (double)"
    )
    con = duck(tmp_path / "out")
    assert con.execute("select count(*) from data_rows").fetchone()[0] == 2
    # nothing of the bad line reached any table
    assert con.execute("select count(*) from classifications where line_number = 2").fetchone()[0] == 0


def test_wrong_types_in_both_workers_ranges_are_found(tmp_path: Path) -> None:
    rows = seed_rows()
    # the first range gets a head start (up to half the file more): the second bad line sits near the end
    lines = [rows[1]] * 30 + [_bad_bbox_row()] + [rows[1]] * 55 + [_bad_bbox_row()] + [rows[1]] * 5
    result = flatten_export(write_lines(tmp_path / "export.ndjson", lines), tmp_path / "out",
                            workers=2)
    assert result.workers == 2
    records = read_quarantine(result.partitions[IMAGE_RUN].quarantine_path)  # type: ignore[arg-type]
    assert [(r["line"], r["field"]) for r in records] == [(31, "objects.bbox_top"), (87, "objects.bbox_top")]
    assert result.rows["data_rows"] == 90


def test_structural_errors_name_the_field_path(tmp_path: Path) -> None:
    row = seed_rows()[2]  # video
    run = row["models"]["a0c93d8a-b749-079b-8b2b-b543bebd6320"]["model_runs"]["a0c93d8b-001c-0ccb-ab29-b803bf59cac8"]
    del run["labels"][0]["annotations"]["frames"]["5"]["objects"]["129e3efa-22f8-4399-9984-73d64843003a"][
        "bounding_box"]["top"]
    result = flatten_export(write_lines(tmp_path / "v.ndjson", [row]), tmp_path / "out")
    (message,) = result.first_errors
    assert message == (
        "v.ndjson line 1: field models.a0c93d8a-b749-079b-8b2b-b543bebd6320.model_runs."
        "a0c93d8b-001c-0ccb-ab29-b803bf59cac8.labels[0].annotations.frames.5.objects."
        "129e3efa-22f8-4399-9984-73d64843003a.bounding_box: missing field 'top'"
    )


def test_unsafe_run_id_is_refused(tmp_path: Path) -> None:
    row = seed_rows()[4]
    model = row["models"]["a0903f80-e720-0c44-1f88-d8eda8ff62fb"]
    model["model_runs"] = {"../escape": next(iter(model["model_runs"].values()))}
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [row]), tmp_path / "out")
    assert result.rows["data_rows"] == 0 and result.quarantined == 1
    assert "invalid model_run_id '../escape'" in result.first_errors[0]
    assert not (tmp_path / "escape").exists()


def test_blank_lines_are_not_rows_or_errors(tmp_path: Path) -> None:
    rows = seed_rows()
    export = tmp_path / "x.ndjson"
    write_lines(export, [rows[0]])
    export.write_bytes(export.read_bytes() + b"\n\n")
    result = flatten_export(export, tmp_path / "out")
    assert (result.rows["data_rows"], result.quarantined) == (1, 0)


def test_a_byte_order_mark_does_not_cost_the_first_line(tmp_path: Path, seed_export: Path) -> None:
    export = tmp_path / "bom.ndjson"
    export.write_bytes(b"\xef\xbb\xbf" + seed_export.read_bytes().replace(b"\n", b"\r\n"))
    result = flatten_export(export, tmp_path / "out")
    assert (result.rows["data_rows"], result.quarantined) == (5, 0)


def test_a_json_array_file_gets_one_clear_error(tmp_path: Path) -> None:
    import orjson
    import pytest

    from lb_export_pipeline.flatten import NotNdjsonError

    export = tmp_path / "export.json"
    export.write_bytes(orjson.dumps(seed_rows(), option=orjson.OPT_INDENT_2))
    with pytest.raises(NotNdjsonError, match=r"export.json: line 1 starts a JSON array"):
        flatten_export(export, tmp_path / "out")
    assert not (tmp_path / "out" / "data_rows").exists()




def test_shape_errors_are_said_in_json_terms(tmp_path: Path) -> None:
    row = seed_rows()[0]
    run = row["models"]["a08c8320-f6da-01c7-ddfc-440ea660acc2"]["model_runs"][IMAGE_RUN]
    run["labels"][0]["annotations"]["objects"][1] = "a string where an object belongs"
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [row]), tmp_path / "out")
    (message,) = result.first_errors
    assert message.endswith("labels[0].annotations.objects[1]: expected an object, got a string")


def test_absurdly_deep_nesting_costs_only_its_line(tmp_path: Path) -> None:
    """2,000 nested answers exceed what the parser or the walker's recursion will take: that line is
    quarantined with the reason, the others land; 120 nested answers flatten to every depth."""
    import orjson

    def nested(levels: int) -> str:
        inner = '{"feature_id": "q", "name": "q", "text_answer": {"content": "bottom"}}'
        for level in range(levels):
            inner = (f'{{"feature_id": "q{level}", "name": "q{level}", "radio_answer": {{"feature_id": "a{level}", '
                     f'"name": "a{level}", "classifications": [{inner}]}}}}')
        return inner

    rows = seed_rows()
    template = orjson.dumps(rows[4]).decode()
    run_path = '"labels":[{"label_kind":"Default","version":"1.0.0","id":"cldyr75es0mrb134uw3systq2",' \
               '"annotations":{"objects":[],"classifications":['
    assert run_path in template
    too_deep = template.replace(run_path, run_path + nested(2000) + ",", 1)
    deep_ok = template.replace(run_path, run_path + nested(120) + ",", 1)
    export = tmp_path / "deep.ndjson"
    export.write_text("\n".join([orjson.dumps(rows[0]).decode(), too_deep, deep_ok]) + "\n")
    result = flatten_export(export, tmp_path / "out")
    assert result.rows["data_rows"] == 2 and result.quarantined == 1
    assert "deep.ndjson line 2:" in result.first_errors[0]
    assert "nested more than 1024 levels deep" in result.first_errors[0]  # valid JSON, only too deep
    import duckdb

    depth = duckdb.execute(f"select max(depth) from read_parquet('{tmp_path}/out/classifications/*/*.parquet')")
    assert depth.fetchone() == (120,)


def test_classification_error_paths_name_every_level(tmp_path: Path) -> None:
    """Top level, nested under an answer, under an object, and under a DICOM view."""
    prefix = "experiments.m.runs.r.labels[0]."
    tries = iter(range(10))

    def path_of(annotations: dict[str, Any]) -> str:
        line = {"data_row": {"id": "dr"}, "experiments": {"m": {"runs": {"r": {"labels": [
            {"id": "l", "annotations": annotations}]}}}}}
        where = refusal(tmp_path / f"try-{next(tries)}", line).split(": ", 1)[0]
        assert where.startswith(prefix), where
        return where.removeprefix(prefix)

    bad = {"name": "q", "radio_answer": "not an object"}
    nested = {"name": "top", "radio_answer": {"name": "a", "classifications": [bad]}}
    assert path_of({"classifications": [bad]}) == "annotations.classifications[0].radio_answer"
    assert path_of({"classifications": [{"name": "x", "text_answer": {}}, nested]}) == \
        "annotations.classifications[1].radio_answer.classifications[0].radio_answer"
    assert path_of({"objects": [{"feature_id": "o", "point": {"x": 1, "y": 2}, "classifications": [bad]}]}) == \
        "annotations.objects[0].classifications[0].radio_answer"
    assert path_of({"groups": {"Axial": {"frames": {}, "classifications": [bad]}}}) == \
        "annotations.groups.Axial.classifications[0].radio_answer"


def test_a_truncated_gzip_export_is_refused_whole_naming_the_last_good_line(tmp_path: Path, seed_export: Path,
                                                                          duck: Any, monkeypatch: Any) -> None:
    import tempfile
    import zlib

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    flatten_export(seed_export, tmp_path / "out")
    data = gzip.compress(seed_export.read_bytes() * 40)
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(data[: len(data) * 3 // 4])
    good = zlib.decompressobj(wbits=31).decompress(cut.read_bytes()).count(b"\n")  # whole lines before the cut
    for workers in (1, 2):  # one walker or two: the same refusal, the same line
        with pytest.raises(CorruptGzipError, match=rf"cut\.ndjson\.gz: the gzip stream is truncated or damaged "
                                                   rf"after line {good:,} \("):
            flatten_export(cut, tmp_path / "out", workers=workers)
    # nothing of the damaged file landed; the earlier tables are intact
    assert duck(tmp_path / "out").execute("select count(*) from data_rows").fetchone()[0] == 5
    assert list(scratch.iterdir()) == []  # and no temporary file
