"""One dynamic partition per Labelbox model run: a model-run export cannot be filtered by time."""

from __future__ import annotations

import dagster as dg

model_runs_partitions = dg.DynamicPartitionsDefinition(name="labelbox_model_runs")
