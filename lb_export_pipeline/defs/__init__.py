"""The code location: assets, checks, sensors, schedule and resources."""

from .assets import RAW_KEY, TABLE_KEYS, TRANSLATOR, labelbox_tables, raw_export
from .definitions import build_definitions
from .jobs import export_job
from .partitions import model_runs_partitions
from .resources import DuckDBTablesResource, ExportOptions, LabelboxResource, StorageResource
from .schedules import labelbox_reexport_schedule
from .sensors import labelbox_automation_sensor, labelbox_model_runs_sensor
from .translator import LabelboxTranslator

__all__ = [
    "RAW_KEY", "TABLE_KEYS", "TRANSLATOR", "DuckDBTablesResource", "ExportOptions", "LabelboxResource",
    "LabelboxTranslator", "StorageResource", "build_definitions", "export_job", "labelbox_automation_sensor",
    "labelbox_model_runs_sensor", "labelbox_reexport_schedule", "labelbox_tables", "model_runs_partitions",
    "raw_export",
]
