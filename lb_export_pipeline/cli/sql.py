"""``lb-export sql``: DuckDB over the tables, a statement, the examples or an interactive prompt."""

from __future__ import annotations

import click
from rich.table import Table

from .main import console, out_console


@click.command()
@click.argument("root")
@click.option("-c", "command", default=None, help="Run this SQL and print the result, then exit.")
@click.option("--examples", is_flag=True, help="Run the example queries (lb_export_pipeline/cli/examples.py).")
def sql(root: str, command: str | None, examples: bool) -> None:
    """Query the tables under ROOT (a folder or s3://...) with DuckDB: a view per table."""
    import duckdb

    from ..query import connect, tables_present
    from ..schema import TABLE_NAMES
    from ..storage import store_for

    if not tables_present(root):
        store = store_for(root)
        hint = f"; did you mean {store.location('tables')}?" if store.exists("tables") else ""
        raise click.ClickException(f"no tables under {root}: expected <table>/model_run_id=<id>/*.parquet "
                                   f"(the folder lb-export flatten --out wrote){hint}")
    con = connect(root)
    try:
        if examples:
            from .examples import EXAMPLES, limited

            for title, statement in EXAMPLES.items():
                out_console.print(f"[bold]-- {title}[/]{statement}")
                _print_result(con, limited(statement))
            return
        if command is not None:
            _print_result(con, command)
            return
    except duckdb.Error as error:
        raise click.ClickException(str(error).strip().splitlines()[0]) from None
    console.print(f"DuckDB over {root}: views {', '.join(TABLE_NAMES)}. End statements with ';', Ctrl-D to quit.")
    buffer = ""
    while True:
        try:
            line = input("sql> " if not buffer else "...> ")
        except EOFError:
            break
        buffer += line + "\n"
        if buffer.strip().endswith(";"):
            try:
                _print_result(con, buffer)
            except Exception as exc:  # an interactive shell reports and goes on
                console.print(f"[red]{exc}")
            buffer = ""


def _print_result(con: object, statement: str) -> None:
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    cursor = con.execute(statement)
    if cursor.description is None:
        return
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    table = Table(*columns)
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    out_console.print(table)
