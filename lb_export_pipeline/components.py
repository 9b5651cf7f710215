"""A Dagster component: the whole pipeline in a ``defs.yaml`` (``dg list components`` shows it)::

    type: lb_export_pipeline.components.LabelboxExportComponent
    attributes:
      root: s3://my-bucket/labelbox
      model_ids: [<model id>]
      reexport_cron: "0 4 * * *"
      export_options: {embeddings: true}
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from .defs.definitions import build_definitions
from .defs.resources import ExportOptions
from .labelbox import API_KEY_ENV


class LabelboxExportComponent(dg.Component, dg.Model, dg.Resolvable):
    """Labelbox model-run exports landed raw and flattened into Hive-partitioned Parquet tables,
    one dynamic partition per model run, with sensors, a re-export schedule and asset checks."""

    root: str | None = Field(default=None, description="Folder or object-store URI [env LB_EXPORT_ROOT].")
    endpoint: str | None = Field(default=None, description="GraphQL endpoint [env LABELBOX_ENDPOINT]; "
                                                           "default Labelbox's.")
    api_key_env: str = Field(default=API_KEY_ENV,
                             description="Environment variable holding the API key (read as a dg.EnvVar).")
    model_ids: list[str] | None = Field(default=None, description="Models the sensor follows (all if empty).")
    model_run_ids: list[str] | None = Field(default=None, description="Or exactly these model runs.")
    reexport_cron: str | None = Field(default=None, description="Cron of the re-export schedule.")
    flatten_workers: int | None = Field(default=None, description="Processes per large export "
                                                                  "(default: env LB_FLATTEN_WORKERS, else 1).")
    export_options: ExportOptions = Field(default_factory=ExportOptions,
                                          description="What each export includes, e.g. {embeddings: true}.")
    poll_interval_seconds: float | None = Field(default=None, description="Seconds between export task polls.")

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return build_definitions(root=self.root, endpoint=self.endpoint, api_key_env=self.api_key_env,
                                 model_ids=self.model_ids, model_run_ids=self.model_run_ids,
                                 reexport_cron=self.reexport_cron, flatten_workers=self.flatten_workers,
                                 export_options=self.export_options, poll_interval_seconds=self.poll_interval_seconds)
