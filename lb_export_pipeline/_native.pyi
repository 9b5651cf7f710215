"""Types of the native flatten core (Rust, built from native/ by maturin). Use it through
``lb_export_pipeline.flatten.native``, which gives the tuples below names."""

from collections.abc import Mapping
from os import PathLike
from typing import Any

__version__: str
TABLE_NAMES: list[str]

class Batch:
    """One table's rows of one chunk; ``pyarrow.record_batch(b)`` takes it over without a copy."""

    @property
    def num_rows(self) -> int: ...
    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]: ...

class Schema:
    """A table schema as the core builds it; ``pyarrow.schema(s)`` reads it."""

    def __arrow_c_schema__(self) -> Any: ...

# (worker, lines, [(run_id, [Batch | None] * 6)], [(line, field, reason, [run_id], raw)], {run_id: lines})
RawChunk = tuple[
    int,
    int,
    list[tuple[str, list[Batch | None]]],
    list[tuple[int, str, str, list[str], bytes]],
    dict[str, int],
]

class Scanner:
    """A flatten of one export file on threads of this process."""

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        threads: int = 1,
        block_bytes: int = 1 << 20,
        flush_bytes: int = 16 << 20,
        only_model_run: str | None = None,
        splits: Mapping[str, str] | None = None,
    ) -> None: ...
    def next_chunk(self, timeout: float) -> RawChunk | None: ...
    @property
    def done(self) -> bool: ...
    def progress(self) -> tuple[int, int]: ...
    def close(self) -> None: ...

def table_schemas() -> list[Schema]: ...
def read_only(path: str | PathLike[str]) -> tuple[int, int, int]:
    """(input bytes, decompressed bytes, lines) of reading ``path`` as the walkers get it."""
def overlapping_pairs(labels: bytes, preds: bytes, kind: bytes, box_kind: int,
                      edges: bytes) -> tuple[bytes, bytes, bytes]:
    """Candidate pairs of one evaluation bucket (see evaluation.pairs): (g, p, iou) as int64/float64 bytes."""
