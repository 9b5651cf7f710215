"""From the table declarations to Dagster: every asset's key, spec and metadata, built in one place
(the role dagster-dlt's translator plays). Subclass ``LabelboxTranslator`` to change keys, group or
automation; the assets and checks ask it and nothing else."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import dagster as dg
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet, UriMetadataSet  # as dagster-dlt does

from ..schema import PARTITION_COLUMN, SCHEMA_VERSION, TABLE_NAMES, TABLES, TableSpec
from .partitions import model_runs_partitions


@dataclass(frozen=True)
class ModelRunNames:
    """Who a model run partition is, in words: partition keys are bare ids (Dagster has no display
    names for dynamic partitions), so these ride along as metadata and run tags."""

    model_name: str
    model_run_name: str

    def tags(self) -> dict[str, str]:
        return {f"labelbox/{k}": v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class RawExportFacts:
    """What one raw landing holds; becomes the raw asset's materialization metadata."""

    names: ModelRunNames
    uri: str
    export_task_id: str
    lines: int
    total_lines: int
    bytes: int
    chunks: int
    export_error_lines: int
    http_retries: int
    splits: dict[str, int]
    task_wait_seconds: float
    duration_seconds: float


@dataclass(frozen=True)
class TableFacts:
    """What one table's partition holds after a flatten; becomes its materialization metadata."""

    names: ModelRunNames
    uri: str
    rows: int
    quarantined_lines: int
    export_task_id: str
    flatten_seconds: float
    flatten_workers: int


def _named(names: ModelRunNames) -> dict[str, Any]:
    return asdict(names)


class LabelboxTranslator:
    group = "labelbox"

    def get_asset_key(self, name: str) -> dg.AssetKey:
        return dg.AssetKey([self.group, name])

    @property
    def raw_key(self) -> dg.AssetKey:
        return self.get_asset_key("raw_export")

    def table_keys(self) -> dict[str, dg.AssetKey]:
        return {name: self.get_asset_key(name) for name in TABLE_NAMES}

    def get_column_schema(self, table: TableSpec) -> dg.TableSchema:
        columns = [dg.TableColumn(c.name, str(c.type), description=c.description) for c in table.columns]
        columns.append(dg.TableColumn(PARTITION_COLUMN, "string", description="Hive partition: the model run id"))
        return dg.TableSchema(columns=columns)

    def get_automation_condition(self, table: TableSpec) -> dg.AutomationCondition[Any] | None:
        """A table follows its raw export: when a partition's raw export is materialized on its own
        (from the UI, say), the automation sensor materializes that partition of every table."""
        return dg.AutomationCondition.eager()

    def get_table_spec(self, table: TableSpec) -> dg.AssetSpec:
        metadata = TableMetadataSet(column_schema=self.get_column_schema(table), table_name=f"labelbox.{table.name}")
        return dg.AssetSpec(
            self.get_asset_key(table.name), deps=[self.raw_key], partitions_def=model_runs_partitions,
            group_name=self.group, kinds={"labelbox", "parquet"}, code_version=f"schema-{SCHEMA_VERSION}",
            description=table.description, automation_condition=self.get_automation_condition(table),
            metadata={**metadata, "natural_key": ", ".join(table.key_with_partition)},
        )

    def table_specs(self) -> list[dg.AssetSpec]:
        return [self.get_table_spec(table) for table in TABLES.values()]

    def raw_metadata(self, facts: RawExportFacts) -> dict[str, Any]:
        fields = {k: v for k, v in asdict(facts).items() if k not in ("names", "uri", "splits")}
        return {**TableMetadataSet(partition_row_count=facts.lines), **UriMetadataSet(uri=facts.uri),
                **_named(facts.names), **fields, "splits": dg.MetadataValue.json(facts.splits)}

    def table_metadata(self, facts: TableFacts) -> dict[str, Any]:
        fields = {k: v for k, v in asdict(facts).items() if k not in ("names", "uri", "rows")}
        return {**TableMetadataSet(partition_row_count=facts.rows), **UriMetadataSet(uri=facts.uri),
                **_named(facts.names), "schema_version": SCHEMA_VERSION, **fields}
