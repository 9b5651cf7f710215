"""Streaming flattener: Labelbox model-run export NDJSON -> Hive-partitioned Parquet tables."""

from ..schema import PARTITION_COLUMN, SCHEMA_VERSION, TABLE_NAMES, TABLES, TableSpec
from .errors import ProjectExportError
from .partition_values import InvalidPartitionValue, ModelRunNotInExport, check_partition_value
from .quarantine import QUARANTINE_FILE, read_quarantine
from .reader import CorruptGzipError, NotNdjsonError
from .result import FlattenResult, PartitionResult
from .runner import flatten_export

__all__ = [
    "PARTITION_COLUMN",
    "QUARANTINE_FILE",
    "SCHEMA_VERSION",
    "TABLES",
    "TABLE_NAMES",
    "CorruptGzipError",
    "FlattenResult",
    "InvalidPartitionValue",
    "ModelRunNotInExport",
    "NotNdjsonError",
    "PartitionResult",
    "ProjectExportError",
    "TableSpec",
    "check_partition_value",
    "flatten_export",
    "read_quarantine",
]
