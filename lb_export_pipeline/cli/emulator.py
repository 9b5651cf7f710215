"""``lb-export emulator``: serve a local Labelbox, with faults on demand."""

from __future__ import annotations

import click

from .main import out_console


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True)
@click.option("--models", default=2, show_default=True, help="Synthetic models.")
@click.option("--runs-per-model", default=2, show_default=True)
@click.option("--rows", default=40, show_default=True, help="Data rows per model run.")
@click.option("--seed", default=7, show_default=True)
@click.option("--shape", type=click.Choice(["experiments", "models"]), default="experiments", show_default=True,
              help="experiments/runs (current API) or models/model_runs (export v2 beta).")
@click.option("--api-key", default=None, help="Require this key (default: accept any).")
@click.option("--rate-limit-every", default=0, help="Fault: every Nth GraphQL request gets 429 + Retry-After.")
@click.option("--server-error-every", default=0, help="Fault: every Nth GraphQL request gets 503.")
@click.option("--drop-chunk-every", default=0, help="Fault: every Nth chunk download is cut mid-way.")
@click.option("--slow-seconds", default=0.0, help="Fault: delay every response.")
@click.option("--fail-export", is_flag=True, help="Fault: export tasks end FAILED with an ERRORS stream.")
@click.option("--malformed-every", default=0, help="Fault: every Nth result line is broken JSON.")
def emulator(host: str, port: int, models: int, runs_per_model: int, rows: int, seed: int, shape: str,
             api_key: str | None, rate_limit_every: int, server_error_every: int, drop_chunk_every: int,
             slow_seconds: float, fail_export: bool, malformed_every: int) -> None:
    """Serve a local Labelbox (GraphQL + chunk files) with synthetic model runs."""
    from ..emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults

    faults = Faults(rate_limit_every=rate_limit_every, server_error_every=server_error_every,
                    drop_chunk_every=drop_chunk_every, slow_seconds=slow_seconds, fail_export=fail_export,
                    malformed_every=malformed_every)
    state = EmulatorState(Catalog(CatalogSpec(seed=seed, models=models, runs_per_model=runs_per_model, rows=rows)),
                          faults, shape=shape, api_key=api_key)  # type: ignore[arg-type]
    try:
        server = EmulatorServer(state, host=host, port=port).start()
    except RuntimeError:
        raise click.ClickException(f"cannot listen on {host}:{port} (is the port in use?)") from None
    out_console.print(f"Labelbox emulator: GraphQL at {server.graphql_url} "
                      f"({'key required' if api_key else 'any API key accepted'})")
    for run in state.catalog.all_runs():
        out_console.print(f"  model run {run.id}  {run.name}  ({run.rows} rows)")
    out_console.print(f"  export LABELBOX_ENDPOINT={server.graphql_url} LABELBOX_API_KEY=anything")
    try:
        server.wait()
    finally:
        server.stop()
