"""``lb-export``: the command line for users outside Dagster (and for the demo).

    lb-export flatten EXPORT.ndjson[.gz] --out DIR [--workers N] [--model-run-id ID]
    lb-export sql DIR [-c "SELECT ..."]
    lb-export export --model-run ID --out FILE [--predictions/--no-predictions ...]
    lb-export emulator [--port N]
    lb-export ddl --engine trino|athena|spark --location URI
    lb-export evaluate ROOT [--model-run-id ID] [--iou 0.5:0.95:0.05]
    lb-export demo | ui

One module per command (or pair of commands); ``main`` holds the group and what they share.
"""

from __future__ import annotations

from ..evaluation.cli import evaluate_command
from .demo import demo, ui
from .emulator import emulator
from .export import export_command
from .flatten import flatten
from .main import main
from .sql import sql
from .tables import ddl_command, schema

for _command in (flatten, sql, export_command, emulator, schema, ddl_command, evaluate_command, demo, ui):
    main.add_command(_command)

__all__ = ["export_command", "main"]
