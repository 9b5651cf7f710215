"""lb_export_pipeline: Labelbox model-run exports to Hive-partitioned Parquet tables, in Dagster.

Subpackages: ``flatten`` (export NDJSON -> tables), ``labelbox`` (the API client), ``emulator`` (a
local Labelbox), ``defs`` (the Dagster code location), ``components`` (the Dagster component).
Kept free of imports on purpose: flatten worker processes import only what they use.
"""
