"""The job the sensor and the schedule run: every Labelbox asset, one model run partition per run."""

from __future__ import annotations

import dagster as dg

from .assets import GROUP
from .partitions import model_runs_partitions

export_job = dg.define_asset_job(
    "labelbox_export_job",
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=model_runs_partitions,
    description="Export one model run from Labelbox, land it, and flatten it into the tables.",
)
