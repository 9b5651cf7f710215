"""The PartitionStore contract, run against both stores: a local folder and an S3-compatible server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lb_export_pipeline.storage import (
    DeltaStore,
    LocalStore,
    Location,
    PartitionStore,
    Staging,
    delta_dataset,
    filesystem,
    objects,
    store_for,
)

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PartitionStore:
    if request.param == "local":
        return store_for(tmp_path / "lake")
    return store_for(f"{request.getfixturevalue('s3')}/lake")


def _stage_partition(staging: Staging, value: str, ids: list[int], beside: str | None = None) -> str:
    relative = f"t/v={value}"
    folder = staging.folder / relative
    folder.mkdir(parents=True)
    table = pa.table({"id": ids, "name": [f"n{i}" for i in ids]}, schema=SCHEMA)
    pq.write_table(table, folder / f"part-{staging.id}.parquet")
    if beside is not None:
        (folder / "_side.ndjson").write_text(beside)
    return relative


def _rows(store: PartitionStore) -> list[tuple[str, int]]:
    """(v, id) of every row of table ``t``, read as an engine reads it."""
    location = store.location("t")
    if isinstance(location, Path):
        rows = duckdb.connect().execute(
            f"select v, id from read_parquet('{location}/*/*.parquet', hive_partitioning = true)").fetchall()
    else:
        table = delta_dataset(location).to_table(columns=["v", "id"])  # type: ignore[union-attr]
        rows = list(zip(table["v"].to_pylist(), table["id"].to_pylist(), strict=True))
    return sorted((str(v), int(i)) for v, i in rows)


def _text(location: Location) -> str:
    if isinstance(location, Path):
        return location.read_text()
    return bytes(filesystem(location).cat_file(location)).decode()


def _gone(location: Location) -> bool:
    return not location.exists() if isinstance(location, Path) else not objects.exists(location)


def test_store_for_picks_the_store_from_the_root(tmp_path: Path) -> None:
    assert isinstance(store_for(tmp_path), LocalStore) and store_for(tmp_path).location() == tmp_path
    assert store_for(tmp_path).layout == "hive"
    remote = store_for("s3://bucket/prefix/")
    assert isinstance(remote, DeltaStore) and remote.location("t/x") == "s3://bucket/prefix/t/x"
    assert remote.layout == "delta"


def test_tables_are_read_through_the_store(store: PartitionStore) -> None:
    con = duckdb.connect()
    assert not store.has_partitions("t", "v") and not store.duckdb_view(con, "t", "v")
    with store.stage() as staging:
        staging.publish_partition(_stage_partition(staging, "a", [1, 2]), SCHEMA)
        staging.publish_partition(_stage_partition(staging, "07", [3]), SCHEMA)
    assert store.has_partitions("t", "v") and not store.has_partitions("u", "v")
    assert store.duckdb_view(con, "t", "v")
    assert con.execute("select v, id, name from t order by id").fetchall() == [
        ("a", 1, "n1"), ("a", 2, "n2"), ("07", 3, "n3")]  # a partition value stays text: '07', not 7
    scanned = store.scan_partition("t", "v", "07").select("id", "name").collect()
    assert scanned.rows() == [(3, "n3")]
    with store.stage() as staging:  # a reader asks again and sees the new version
        staging.publish_partition(_stage_partition(staging, "07", [4]), SCHEMA)
    assert store.scan_partition("t", "v", "07").select("id").collect().rows() == [(4,)]
    assert store.duckdb_view(con, "t", "v")
    assert con.execute("select v, id from t order by id").fetchall() == [("a", 1), ("a", 2), ("07", 4)]


def test_a_partition_is_replaced_whole_and_the_others_stay(store: PartitionStore) -> None:
    with store.stage() as staging:
        a = staging.publish_partition(_stage_partition(staging, "a", [1, 2, 3]), SCHEMA)
        staging.publish_partition(_stage_partition(staging, "b", [4, 5]), SCHEMA)
    assert _rows(store) == [("a", 1), ("a", 2), ("a", 3), ("b", 4), ("b", 5)]
    assert str(a).startswith(str(store.location("t")))
    with store.stage() as staging:
        staging.publish_partition(_stage_partition(staging, "a", [9]), SCHEMA)
    assert _rows(store) == [("a", 9), ("b", 4), ("b", 5)]


def test_nothing_is_published_when_the_transaction_fails(store: PartitionStore) -> None:
    with store.stage() as staging:
        staging.publish_partition(_stage_partition(staging, "a", [1]), SCHEMA)
    with pytest.raises(RuntimeError, match="killed"), store.stage() as staging:
        _stage_partition(staging, "a", [7, 8])
        folder = staging.folder
        raise RuntimeError("killed before publishing")
    assert _rows(store) == [("a", 1)]
    assert not folder.exists()  # the staging area goes too


def test_each_transaction_stages_apart(store: PartitionStore) -> None:
    with store.stage() as one, store.stage() as two:
        assert one.id != two.id and one.folder != two.folder
        assert one.folder.is_dir() and not any(one.folder.iterdir())


def test_a_file_beside_a_partition_follows_it(store: PartitionStore) -> None:
    with store.stage() as staging:
        staging.publish_partition(_stage_partition(staging, "a", [1], beside="bad line 3\n"), SCHEMA)
        side = staging.publish_beside("t/v=a", "_side.ndjson")
    assert side is not None and _text(side) == "bad line 3\n"
    with store.stage() as staging:  # a clean version of the partition: no stale side file
        staging.publish_partition(_stage_partition(staging, "a", [1]), SCHEMA)
        assert staging.publish_beside("t/v=a", "_side.ndjson") is None
    assert _gone(side)


def test_a_folder_is_published_with_its_last_file_last(store: PartitionStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    uploads: list[str] = []
    real_put = objects.put_file
    monkeypatch.setattr(objects, "put_file", lambda local, uri: (uploads.append(uri.rsplit("/", 1)[1]),
                                                                  real_put(local, uri)))
    for version in ("1", "2"):
        with store.stage() as staging:
            folder = staging.folder / "run=x"
            folder.mkdir()
            for name in ("z_manifest.json", "export.gz", "splits.json"):  # the manifest sorts first by name
                (folder / name).write_text(f"{name} v{version}")
            location = staging.publish_folder("run=x", last="z_manifest.json")
    assert location == store.location("run=x")
    with store.read("run=x", ["export.gz", "z_manifest.json", "missing.json"]) as local:
        assert not (local / "missing.json").exists()
        assert (local / "export.gz").read_text() == "export.gz v2"
        assert (local / "z_manifest.json").read_text() == "z_manifest.json v2"
    if isinstance(store, DeltaStore):  # one PUT per object, so the manifest must come after the others
        assert uploads == ["export.gz", "splits.json", "z_manifest.json"] * 2


def test_files_are_published_found_and_removed(store: PartitionStore) -> None:
    with store.stage() as staging:
        (staging.folder / "_q").mkdir()
        (staging.folder / "_q" / "export.ndjson").write_text("line 1\n")
        location = staging.publish_file("_q/export.ndjson")
    assert location == store.location("_q/export.ndjson") and _text(location) == "line 1\n"
    assert store.exists("_q/export.ndjson") and not store.exists("_q/other.ndjson")
    store.remove("_q/export.ndjson")
    store.remove("_q/export.ndjson")  # removing what is gone is no error
    assert not store.exists("_q/export.ndjson")


@pytest.mark.parametrize("module", ["base", "swap", "objects", "local", "delta", ""])
def test_each_storage_module_imports_alone(module: str) -> None:
    name = f"lb_export_pipeline.storage.{module}".rstrip(".")
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
