"""The rows one (line, model run) produces, per table, before they join the table buffers."""

from __future__ import annotations

from typing import Any

Row = tuple[Any, ...]


class LineRows:
    """Row tuples per table, in the column order of ``schemas``."""

    __slots__ = ("classifications", "data_rows", "labels", "objects", "relationships", "video_frames")

    def __init__(self) -> None:
        self.data_rows: list[Row] = []
        self.labels: list[Row] = []
        self.objects: list[Row] = []
        self.classifications: list[Row] = []
        self.video_frames: list[Row] = []
        self.relationships: list[Row] = []
