"""``lb-export schema`` and ``lb-export ddl``: the tables described for people and for other engines."""

from __future__ import annotations

import click


@click.command()
def schema() -> None:
    """Print the table reference (columns, types, natural keys) as Markdown."""
    from ..schema import schemas_markdown

    click.echo(schemas_markdown())


@click.command("ddl")
@click.option("--engine", type=click.Choice(["spark", "trino", "athena"]), required=True)
@click.option("--location", required=True, help="Tables root, e.g. s3://bucket/lake/tables or /data/tables.")
@click.option("--schema", default="labelbox", show_default=True, help="Schema (database) to create the tables in.")
@click.option("--layout", type=click.Choice(["auto", "hive", "delta"]), default="auto", show_default=True,
              help="auto: delta for object-store locations (what lb-export writes there), hive otherwise.")
def ddl_command(engine: str, location: str, schema: str, layout: str) -> None:
    """Print CREATE TABLE statements for the tables, generated from their schemas."""
    from ..ddl import ddl
    from ..storage import store_for

    chosen = layout if layout != "auto" else store_for(location).layout
    try:
        text = ddl(engine, location, schema, chosen)  # type: ignore[arg-type]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--location") from None
    click.echo(text, nl=False)
