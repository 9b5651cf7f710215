"""The code location's Definitions, built from small pieces."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from ..labelbox import API_KEY_ENV
from ..settings import LB_MODEL_IDS, LB_MODEL_RUN_IDS
from .assets import labelbox_tables, raw_export
from .evaluation import evaluation
from .jobs import export_job
from .resources import DuckDBTablesResource, ExportOptions, LabelboxResource, StorageResource
from .schedules import build_reexport_schedule, labelbox_reexport_schedule
from .sensors import labelbox_automation_sensor, labelbox_model_runs_sensor

# Every asset of the location; other modules' assets (downstream of the tables) join this list.
ASSETS: list[dg.AssetsDefinition] = [raw_export, labelbox_tables, evaluation]


def build_definitions(
    *,
    root: str | None = None,
    endpoint: str | None = None,
    api_key_env: str = API_KEY_ENV,
    model_ids: list[str] | None = None,
    model_run_ids: list[str] | None = None,
    reexport_cron: str | None = None,
    flatten_workers: int | None = None,
    export_options: ExportOptions | None = None,
    poll_interval_seconds: float | None = None,
) -> dg.Definitions:
    """The code location. Every argument defaults to its environment variable (see the README).

    The API key is only ever passed as ``dg.EnvVar(api_key_env)`` (resolved at launch, hidden in the
    UI); when that variable is unset, the resource needs ``endpoint`` or ``LABELBOX_ENDPOINT``.
    """
    api_key = dg.EnvVar(api_key_env) if os.environ.get(api_key_env) else None
    storage_args: dict[str, Any] = {"root": root, "flatten_workers": flatten_workers}
    storage = StorageResource(**{k: v for k, v in storage_args.items() if v is not None})  # None: env default
    labelbox_args: dict[str, Any] = {"export": export_options, "poll_interval_seconds": poll_interval_seconds}
    labelbox = LabelboxResource(
        api_key=api_key, endpoint=endpoint,
        model_ids=model_ids if model_ids is not None else LB_MODEL_IDS.get_list(),
        model_run_ids=model_run_ids if model_run_ids is not None else LB_MODEL_RUN_IDS.get_list(),
        **{k: v for k, v in labelbox_args.items() if v is not None},
    )
    schedule = labelbox_reexport_schedule if reexport_cron is None else build_reexport_schedule(reexport_cron)
    return dg.Definitions(
        assets=ASSETS,
        jobs=[export_job],
        sensors=[labelbox_model_runs_sensor, labelbox_automation_sensor],
        schedules=[schedule],
        resources={
            "labelbox": labelbox,
            "storage": storage,
            "tables": DuckDBTablesResource(root=storage.tables_root),
        },
    )
