"""``lineage import dvc [PATH]``: the stages of a DVC pipeline (``dvc.lock``) as runs.

Importing this module registers the command on the ``import`` group; it calls
:func:`lineage.integrations.dvc.import_pipeline` (no ``dvc`` package needed).
"""

from __future__ import annotations

from pathlib import Path

import click

from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import print_json, print_table
from lineage.cli.openlineage import import_group

__all__ = ["import_dvc"]


@import_group.command("dvc")
@click.argument("path", default="dvc.lock", type=click.Path(exists=True, path_type=Path))
@click.option("--pipeline", metavar="NAME", help="Pipeline name (default: the repository's).")
@click.option("--experiment", metavar="NAME", help="An experiment to group the stage runs in.")
@db_option
@json_option
@pass_state
def import_dvc(
    state: AppState, path: Path, pipeline: str | None, experiment: str | None, as_json: bool
) -> None:
    """Record the stages DVC ran (PATH: a dvc.lock, a dvc.yaml beside one, or their folder).

    Each stage becomes a run with its dependencies as inputs and its outputs as outputs, each
    identified by the hash DVC locked; its command and locked params are recorded. Importing
    again writes nothing for stages already imported; a changed stage is a new run.
    """
    from lineage.integrations.dvc import import_pipeline

    with state.open_store(read=False) as store:
        stages = import_pipeline(path, store=store, pipeline=pipeline, experiment=experiment)
    if as_json:
        print_json(
            [
                {
                    "stage": s.stage,
                    "run": s.run_name,
                    "execution": f"execution:{s.execution_id}",
                    "created": s.created,
                }
                for s in stages
            ]
        )
        return
    print_table(
        None,
        ["stage", "run", "execution", "recorded"],
        [
            [s.stage, s.run_name, f"execution:{s.execution_id}", "new" if s.created else "before"]
            for s in stages
        ],
    )
