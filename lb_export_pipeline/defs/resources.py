"""Resources: Labelbox (the API, or whatever ``LABELBOX_ENDPOINT`` names) and storage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import ConfigDict, Field

from ..labelbox import ClientConfig, ConfigurationError, ExportParams, LabelboxClient, RetryPolicy
from ..labelbox.config import EXPORT_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS
from ..labelbox.redaction import install_log_redaction
from ..settings import LABELBOX_API_KEY, LABELBOX_ENDPOINT, LB_EXPORT_ROOT, LB_FLATTEN_WORKERS
from ..storage import PartitionStore, join, store_for

EXPORT_FILE = "export.ndjson.gz"
SPLITS_FILE = "splits.json"
MANIFEST_FILE = "manifest.json"  # written last: its presence means the landing is complete
RAW_FILES = (EXPORT_FILE, SPLITS_FILE, MANIFEST_FILE)

_EXPORT = ExportParams()  # the export options' defaults, declared once (ExportParams)
KEYLESS = "keyless"  # what a keyless endpoint (the emulator, a proxy holding the key) is sent as a key


class ExportOptions(dg.Config):
    """What a model-run export includes (Labelbox's ModelRunExportParams; defaults from ExportParams)."""

    model_config = ConfigDict(**dg.Config.model_config, extra="forbid")  # a misspelt option is an error

    attachments: bool = Field(default=_EXPORT.attachments, description="Export includeAttachments.")
    metadata_fields: bool = Field(default=_EXPORT.metadata_fields, description="Export includeMetadata.")
    data_row_details: bool = Field(default=_EXPORT.data_row_details, description="Export includeDataRowDetails.")
    predictions: bool = Field(default=_EXPORT.predictions, description="Export includePredictions.")
    embeddings: bool = Field(default=_EXPORT.embeddings, description="Export includeEmbeddings.")
    model_run_details: bool = Field(default=_EXPORT.model_run_details,
                                    description="Export includeModelRunDetails (splits).")
    media_type_override: str | None = Field(default=_EXPORT.media_type_override,
                                            description="Export mediaTypeOverride, e.g. IMAGE.")

    def params(self) -> ExportParams:
        return ExportParams(**{f.name: getattr(self, f.name) for f in fields(ExportParams)})


class LabelboxResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Labelbox access and the model-run export options.

    With ``api_key`` (give it as ``dg.EnvVar("LABELBOX_API_KEY")``, never as text) the client talks to
    ``endpoint``, else ``LABELBOX_ENDPOINT``, else Labelbox's public API. Without a key it talks to
    ``endpoint`` or ``LABELBOX_ENDPOINT`` (a local emulator, say) and refuses when neither is set.
    """

    api_key: str | None = Field(default=None, description="Labelbox API key; pass dg.EnvVar('LABELBOX_API_KEY').")
    endpoint: str | None = Field(default=None, description="GraphQL endpoint [env LABELBOX_ENDPOINT]; "
                                                           "default Labelbox's.")
    model_ids: list[str] = Field(default_factory=list,
                                 description="Models whose runs the sensor follows (all if empty).")
    model_run_ids: list[str] = Field(default_factory=list, description="Or: exactly these model runs.")
    delete_removed_runs: bool = Field(
        default=False, description="Sensor: delete the partitions of model runs no longer listed in Labelbox "
                                   "(their tables stay on disk).")
    export: ExportOptions = Field(default_factory=ExportOptions, description="What each export includes.")
    poll_interval_seconds: float = Field(default=POLL_INTERVAL_SECONDS,
                                         description="Seconds between export task polls.")
    export_timeout_seconds: float = Field(default=EXPORT_TIMEOUT_SECONDS,
                                          description="Longest wait for an export task.")
    max_attempts: int = Field(default=RetryPolicy().max_attempts,
                              description="HTTP attempts per request (429/5xx/network retried).")

    def export_params(self) -> ExportParams:
        return self.export.params()

    def resolved_endpoint(self) -> tuple[str, str]:
        """(endpoint, key) to use; see the class docstring for the order."""
        endpoint = self.endpoint or LABELBOX_ENDPOINT.value()
        if self.api_key:
            return endpoint or LABELBOX_ENDPOINT.get() or "", self.api_key
        if endpoint:
            return endpoint, KEYLESS
        raise ConfigurationError(f"{LABELBOX_API_KEY.name} is not set: set it to your Labelbox API key "
                                 f"(or set {LABELBOX_ENDPOINT.name} to a Labelbox emulator's GraphQL URL)")

    def get_client(self) -> LabelboxClient:
        install_log_redaction()
        endpoint, key = self.resolved_endpoint()
        config = ClientConfig.create(key, endpoint, retry=RetryPolicy(max_attempts=self.max_attempts))
        return LabelboxClient(config=config)


class StorageResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where raw exports and tables live: ``<root>/raw/model_run_id=<id>/`` and ``<root>/tables/<table>/``."""

    root: str = Field(default_factory=lambda: LB_EXPORT_ROOT.get() or "",
                      description="Base folder (or object-store URI) of the raw and table areas [env LB_EXPORT_ROOT].")
    flatten_workers: int = Field(default_factory=LB_FLATTEN_WORKERS.get_int,
                                 description="Walker threads per flatten [env LB_FLATTEN_WORKERS].")

    @property
    def raw_root(self) -> str:
        return join(self.root, "raw")

    @property
    def tables_root(self) -> str:
        return join(self.root, "tables")

    def raw_store(self) -> PartitionStore:
        return store_for(self.raw_root)

    def raw_uri(self, model_run_id: str, name: str = "") -> str:
        folder = join(self.raw_root, f"model_run_id={model_run_id}")
        return join(folder, name) if name else folder

    @contextmanager
    def raw_writer(self, model_run_id: str) -> Iterator[Path]:
        """A local folder to land a model run's raw files in, published when the block ends as one
        replacement of the previous landing (the manifest becomes visible last). Nothing is published
        on error: the previous landing (export, splits and manifest together) stays intact."""
        relative = f"model_run_id={model_run_id}"
        with self.raw_store().stage() as staging:
            (staging.folder / relative).mkdir(parents=True)
            yield staging.folder / relative
            staging.publish_folder(relative, last=MANIFEST_FILE)

    @contextmanager
    def raw_reader(self, model_run_id: str) -> Iterator[Path]:
        """A local folder holding the model run's raw files (downloaded from an object store)."""
        with self.raw_store().read(f"model_run_id={model_run_id}", RAW_FILES) as folder:
            yield folder


class DuckDBTablesResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """A DuckDB connection with a view per table, for assets and checks downstream of the tables.

    .. code-block:: python

        @dg.asset(deps=[TABLE_KEYS["objects"]])
        def class_counts(tables: DuckDBTablesResource) -> None:
            tables.connect().execute("select name, count(*) from objects group by 1")
    """

    root: str = Field(default_factory=lambda: join(LB_EXPORT_ROOT.get() or "", "tables"),
                      description="Tables root (folder or object-store URI) [env LB_EXPORT_ROOT + /tables].")

    def connect(self) -> Any:
        from ..query import connect

        return connect(self.root)


__all__ = ["DuckDBTablesResource", "ExportOptions", "LabelboxResource", "StorageResource"]
