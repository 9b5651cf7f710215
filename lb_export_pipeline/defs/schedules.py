"""A schedule that re-exports every known model run (a full refresh), on a cron from the environment."""


from collections.abc import Iterator

import dagster as dg

from ..settings import LB_REEXPORT_CRON
from .jobs import export_job
from .partitions import model_runs_partitions

DEFAULT_CRON = str(LB_REEXPORT_CRON.default)


def build_reexport_schedule(
    cron: str = DEFAULT_CRON, name: str = "labelbox_reexport_schedule"
) -> dg.ScheduleDefinition:
    """A schedule that requests one run per known model run partition on ``cron``."""

    @dg.schedule(name=name, cron_schedule=cron, job=export_job,
                 description=f"Re-export every known model run (cron '{cron}'; "
                             f"env {LB_REEXPORT_CRON.name} by default).")
    def reexport(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        keys = context.instance.get_dynamic_partitions(model_runs_partitions.name or "")
        if not keys:
            yield dg.SkipReason("no model runs known yet: the sensor adds them")
            return
        tick = context.scheduled_execution_time.isoformat()
        for key in keys:
            yield dg.RunRequest(partition_key=key, run_key=f"{key}@{tick}")

    return reexport


labelbox_reexport_schedule = build_reexport_schedule(LB_REEXPORT_CRON.get() or DEFAULT_CRON)
