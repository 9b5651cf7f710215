"""What a flatten reports: per partition and for the whole file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..schema import TABLE_NAMES


@dataclass
class PartitionResult:
    model_run_id: str
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_NAMES, 0))
    quarantined: int = 0
    quarantine_path: Path | str | None = None  # a local path, or an object-store URI
    paths: dict[str, Path | str] = field(default_factory=dict)


@dataclass
class FlattenResult:
    source: Path
    out: Path | str
    partitions: dict[str, PartitionResult]
    lines: int
    bytes: int
    seconds: float
    workers: int
    skipped_runs: dict[str, int] = field(default_factory=dict)
    unattributed_quarantined: int = 0
    unattributed_path: Path | str | None = None
    first_errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        totals = dict.fromkeys(TABLE_NAMES, 0)
        for p in self.partitions.values():
            for table, n in p.rows.items():
                totals[table] += n
        return totals

    @property
    def quarantined(self) -> int:
        return self.unattributed_quarantined + sum(p.quarantined for p in self.partitions.values())
