"""The README's layout paragraph names every module of the package and nothing else, and every
module stays small."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "lb_export_pipeline"
MODULE_NAME = re.compile(r"`([a-z_][a-z0-9_]*)`")
MAX_LINES = 400


def _modules(folder: Path) -> set[str]:
    return {p.stem for p in [*folder.glob("*.py"), *folder.glob("*.pyi")] if not p.stem.startswith("__")}


def _packages() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def _layout_paragraph() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("Layout (tests mirror it", 1)[1].split("\n\n", 1)[0]


def _listed_in(paragraph: str, package: str) -> tuple[set[str], str]:
    """The module names in ``package/ (...)``, and the paragraph without that part."""
    start = paragraph.index(f"`{package}/` (")
    depth, end = 0, start + len(package) + 4  # at the opening parenthesis
    while True:  # to the matching one
        depth += {"(": 1, ")": -1}.get(paragraph[end], 0)
        if depth == 0:
            break
        end += 1
    inner = paragraph[start:end + 1]
    return set(MODULE_NAME.findall(inner)), paragraph[:start] + paragraph[end + 1:]


def test_the_readme_layout_lists_exactly_the_modules_of_each_folder() -> None:
    rest = _layout_paragraph()
    assert _packages(), "no subpackages found"
    for package in _packages():
        listed, rest = _listed_in(rest, package.name)
        assert listed == _modules(package), (package.name, listed ^ _modules(package))
    assert set(MODULE_NAME.findall(rest)) == _modules(PACKAGE), set(MODULE_NAME.findall(rest)) ^ _modules(PACKAGE)


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert len(sizes) > 50
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
