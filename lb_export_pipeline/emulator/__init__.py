"""A local Labelbox: the GraphQL and chunk-download protocol of model-run exports, on loopback,
with deterministic synthetic data of every media kind and injectable faults."""

from .app import EmulatorState, build_app
from .catalog import FIXTURE_MODEL_ID, FIXTURE_RUN_ID, Catalog, CatalogSpec
from .faults import Faults
from .server import DEFAULT_API_KEY, EmulatorServer

__all__ = ["DEFAULT_API_KEY", "FIXTURE_MODEL_ID", "FIXTURE_RUN_ID", "Catalog", "CatalogSpec", "EmulatorServer",
           "EmulatorState", "Faults", "build_app"]
