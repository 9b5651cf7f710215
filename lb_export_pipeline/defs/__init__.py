"""The Dagster code location: assets, checks, sensor, schedule and resources."""

from .assets import RAW_KEY, TABLE_KEYS, labelbox_tables, raw_export
from .definitions import build_definitions
from .jobs import export_job
from .partitions import model_runs_partitions
from .resources import DuckDBTablesResource, LabelboxResource, StorageResource
from .schedules import labelbox_reexport_schedule
from .sensors import labelbox_model_runs_sensor

__all__ = [
    "RAW_KEY", "TABLE_KEYS", "DuckDBTablesResource", "LabelboxResource", "StorageResource", "build_definitions",
    "export_job", "labelbox_model_runs_sensor", "labelbox_reexport_schedule", "labelbox_tables",
    "model_runs_partitions", "raw_export",
]
