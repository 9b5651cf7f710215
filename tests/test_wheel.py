"""The package works from its wheel, not only from the editable install: what a user without Rust gets.

The wheel is built by maturin (the build backend, dist profile; cargo reuses the extension's build),
unpacked into a folder of its own, and used from a process whose working directory is elsewhere, so
neither the checkout nor the editable install can stand in for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SEED_EXPORT

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([str(BIN / "maturin"), "build", "--profile", "dist", "--quiet", "--out", str(dist)], cwd=ROOT,
                   check=True, capture_output=True, timeout=900)
    (built,) = dist.glob("lb_export_pipeline-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_is_one_abi3_wheel_with_the_extension_data_and_script(wheel: Path) -> None:
    assert "-cp311-abi3-" in wheel.name  # one wheel for CPython 3.11 and newer
    names = zipfile.ZipFile(wheel).namelist()
    assert "lb_export_pipeline/_native.abi3.so" in names
    assert "lb_export_pipeline/py.typed" in names
    assert "lb_export_pipeline/emulator/fixtures/seed_export.ndjson" in names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode().replace(" ", "")
    assert "lb-export=lb_export_pipeline.cli:main" in scripts
    assert not [n for n in names if n.startswith(("tests/", "native/", "benchmarks/"))]


@pytest.mark.slow
def test_the_unpacked_wheel_flattens_the_fixture(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = tmp_path / "tables"
    script = (
        "import sys, duckdb, lb_export_pipeline, lb_export_pipeline._native as n\n"
        "from lb_export_pipeline.flatten import flatten_export\n"
        "r = flatten_export(sys.argv[1], sys.argv[2])\n"
        "con = duckdb.connect()\n"
        "glob = sys.argv[2] + '/objects/*/*.parquet'\n"
        "objects = con.execute(f\"select count(*) from read_parquet('{glob}')\").fetchall()[0][0]\n"
        "print(lb_export_pipeline.__file__, n.__file__, r.lines, r.rows['objects'], objects)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(SEED_EXPORT), str(out)], cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(site)), capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    package, extension, lines, rows, queried = done.stdout.split()
    assert package == str(site / "lb_export_pipeline" / "__init__.py")
    assert extension == str(site / "lb_export_pipeline" / "_native.abi3.so")
    assert int(lines) == 5 and int(rows) == int(queried) > 0
