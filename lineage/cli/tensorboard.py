"""``lineage import tensorboard LOGDIR --run RUN`` and ``lineage export tensorboard RUN... -o DIR``.

Importing this module registers both commands on the ``import`` and ``export`` groups. They
call :mod:`lineage.integrations.tensorboard`, which needs the ``tensorboard`` package; without
it they stop with an error naming ``pip install 'lineage[tensorboard]'``.
"""

from __future__ import annotations

from pathlib import Path

import click

from lineage.cli._app import AppState, CliError, db_option, json_option, pass_state
from lineage.cli._output import print_fields, print_json
from lineage.cli.openlineage import export_group, import_group

__all__ = ["export_tensorboard", "import_tensorboard"]


def _require() -> None:
    from lineage.integrations.tensorboard import require_tensorboard

    try:
        require_tensorboard()
    except ImportError as exc:
        raise CliError(str(exc)) from None


@import_group.command("tensorboard")
@click.argument("logdir", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--run", "run_ref", required=True, metavar="RUN", help="The run to record into (it must exist)."
)
@db_option
@json_option
@pass_state
def import_tensorboard(state: AppState, logdir: Path, run_ref: str, as_json: bool) -> None:
    """Record the scalars and HParams of TensorBoard event files in an existing run.

    LOGDIR is a log directory (read recursively) or one event file. Scalars (legacy and TF2
    summaries) become metric series (step = the event's step); HParams session start info
    becomes parameters. RUN is an execution id, execution:ID, a run name or TYPE:NAME; a run
    still running is refused.
    """
    from lineage.integrations.tensorboard import import_events

    _require()
    with state.open_store() as store:
        summary = import_events(store, logdir, run_ref)
    if as_json:
        print_json({"logdir": str(logdir), **summary.to_dict()})
        return
    print_fields(
        [
            ("run", summary.run),
            ("event files", str(summary.files)),
            ("series", ", ".join(f"{k} ({n} steps)" for k, n in summary.series.items()) or "-"),
            ("params", ", ".join(f"{k}={v}" for k, v in summary.params.items()) or "-"),
            ("skipped tags", ", ".join(summary.skipped) or "-"),
        ]
    )


@export_group.command("tensorboard")
@click.argument("runs", metavar="RUN...", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "logdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The log directory to write (LOGDIR/<run name>/ per run).",
)
@db_option
@json_option
@pass_state
def export_tensorboard(state: AppState, runs: tuple[str, ...], logdir: Path, as_json: bool) -> None:
    """Write runs as TensorBoard event files: their metric series as scalars, their parameters
    and metrics as HParams, so tensorboard --logdir LOGDIR shows them."""
    from lineage.integrations.tensorboard import export_runs

    _require()
    with state.open_store() as store:
        files = export_runs(store, list(runs), logdir)
    if as_json:
        print_json({"logdir": str(logdir), "files": [str(f) for f in files]})
        return
    for path in files:
        click.echo(str(path))
    click.echo(f"view with: tensorboard --logdir {logdir}")
