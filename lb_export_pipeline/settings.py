"""Every environment variable the project reads, each declared once with its meaning and default.

The README's configuration table lists exactly these (a test checks it). Read them through
``Setting.get`` (text, or the default), ``get_list`` (comma-separated) or ``get_int``; the API key
is only ever passed on by name, as ``dg.EnvVar(LABELBOX_API_KEY.name)``, never read into config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str | None = None

    def value(self) -> str | None:
        """The variable's value; ``None`` when it is unset or empty."""
        return os.environ.get(self.name) or None

    def get(self) -> str | None:
        """The variable's value, or the default when it is unset or empty."""
        return self.value() or self.default

    def get_list(self) -> list[str]:
        return [part.strip() for part in (self.get() or "").split(",") if part.strip()]

    def get_int(self) -> int:
        value = self.get()
        try:
            return int(value or "")
        except ValueError:
            raise ValueError(f"{self.name} must be a whole number, got {value!r}") from None


LABELBOX_API_KEY = Setting("LABELBOX_API_KEY", "Labelbox API key; unset: LABELBOX_ENDPOINT must name one (an emulator)")
LABELBOX_ENDPOINT = Setting("LABELBOX_ENDPOINT", "Labelbox GraphQL endpoint",
                            "https://api.labelbox.com/graphql")
LB_EXPORT_ROOT = Setting("LB_EXPORT_ROOT", "folder or object-store URI of the raw and table areas",
                         "lb_export_data")
LB_MODEL_IDS = Setting("LB_MODEL_IDS", "models whose runs the sensor follows (comma-separated; empty: all)")
LB_MODEL_RUN_IDS = Setting("LB_MODEL_RUN_IDS", "or exactly these model runs (comma-separated)")
LB_REEXPORT_CRON = Setting("LB_REEXPORT_CRON", "cron of the re-export schedule", "0 3 * * *")
LB_FLATTEN_WORKERS = Setting("LB_FLATTEN_WORKERS", "threads that walk one export's lines in the flatten", "1")

SETTINGS: tuple[Setting, ...] = (LABELBOX_API_KEY, LABELBOX_ENDPOINT, LB_EXPORT_ROOT, LB_MODEL_IDS,
                                 LB_MODEL_RUN_IDS, LB_REEXPORT_CRON, LB_FLATTEN_WORKERS)
