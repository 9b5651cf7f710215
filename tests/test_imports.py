"""Every module imports alone: no import cycle hides behind the order the package happens to use."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import lb_export_pipeline

# Runs in a fresh interpreter: each module of the package is imported with no other module of the
# package loaded (third-party modules stay loaded between them, which keeps this fast).
_SCRIPT = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "lb_export_pipeline" or m.startswith("lb_export_pipeline.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=-1).strip().splitlines()[-1])
print("\\n".join(failed))
"""


def _modules() -> list[str]:
    found = pkgutil.walk_packages(lb_export_pipeline.__path__, "lb_export_pipeline.")
    return ["lb_export_pipeline", *sorted(m.name for m in found)]


def test_every_module_imports_alone() -> None:
    modules = _modules()
    assert "lb_export_pipeline.schema" in modules and "lb_export_pipeline.storage" in modules
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *modules], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", done.stdout


def test_storage_imports_in_a_fresh_interpreter() -> None:
    """The cycle this test was written for: storage -> (flatten.)schemas -> flatten -> runner -> storage."""
    done = subprocess.run([sys.executable, "-c", "import lb_export_pipeline.storage"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_schema_module_imports_nothing_of_the_package() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, lb_export_pipeline.schema; print(sorted(m for m in "
                           "sys.modules if m.startswith('lb_export_pipeline.')))"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['lb_export_pipeline.schema']"
