"""Entry point of the code location: ``dagster dev -m lb_export_pipeline.definitions`` or workspace.yaml."""

from .defs import build_definitions

defs = build_definitions()
