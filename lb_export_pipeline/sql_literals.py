"""SQL string literals. Paths and names reach SQL text where no bound parameter is allowed (a view's
definition, DDL), so they are quoted here, per dialect: ``/data/o_bob's`` must stay one literal."""

from __future__ import annotations


def standard_literal(text: str) -> str:
    """ANSI SQL (DuckDB, Trino): a quote is doubled; a backslash is an ordinary character."""
    return "'" + text.replace("'", "''") + "'"


def backslash_literal(text: str) -> str:
    """Spark SQL and Hive (Athena's DDL): C-style escapes, so a quote and a backslash each get a
    backslash (a doubled quote would be read as two adjacent literals, silently joined)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
