"""The code location's Definitions, built from small pieces."""

from __future__ import annotations

import os

import dagster as dg

from ..labelbox import API_KEY_ENV
from .assets import labelbox_tables, raw_export
from .jobs import export_job
from .resources import DuckDBTablesResource, LabelboxResource, StorageResource
from .schedules import labelbox_reexport_schedule
from .sensors import labelbox_model_runs_sensor


def _csv_env(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def build_definitions() -> dg.Definitions:
    # The key stays an EnvVar (resolved at launch, hidden in the UI); without one, the local emulator.
    api_key = dg.EnvVar(API_KEY_ENV) if os.environ.get(API_KEY_ENV) else None
    return dg.Definitions(
        assets=[raw_export, labelbox_tables],
        jobs=[export_job],
        sensors=[labelbox_model_runs_sensor],
        schedules=[labelbox_reexport_schedule],
        resources={
            "labelbox": LabelboxResource(api_key=api_key, model_ids=_csv_env("LB_MODEL_IDS"),
                                         model_run_ids=_csv_env("LB_MODEL_RUN_IDS")),
            "storage": StorageResource(),
            "tables": DuckDBTablesResource(),
        },
    )
