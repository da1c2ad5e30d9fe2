"""``lineage runs ls|show|compare``, ``lineage tag`` and ``lineage note``: recorded runs.

Importing this module registers the commands on the ``lineage`` group. Each command parses its
arguments, calls one ``lineage.track`` function and prints a table (or JSON / Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import click
from rich.text import Text

from lineage.cli._app import AppState, CliError, cli, db_option, json_option, pass_state
from lineage.cli._output import (
    emit,
    format_time,
    print_fields,
    print_json,
    print_table,
    stderr_note,
)

__all__ = ["note", "runs", "tag"]

#: How many runs ``runs ls`` shows unless --limit says otherwise.
DEFAULT_LIMIT = 50
STATES = ("RUNNING", "COMPLETE", "FAILED", "CANCELED", "NEW", "CACHED", "UNKNOWN")
#: The ``code.*`` field holding a notebook run's script (shown as a summary).
SCRIPT_FIELD = "notebook_script"


def _text(value: Any) -> str:
    """A parameter, metric or code value as a cell (reals as ``runs compare`` shows them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from lineage.track.comparison import format_number

        return format_number(value)
    return str(value)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _pairs(values: Mapping[str, Any], limit: int = 3) -> str:
    items = [f"{k}={_text(v)}" for k, v in values.items()]
    return " ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


@click.group("runs")
def runs() -> None:
    """Runs recorded with lineage.run / @lineage.component: list, show and compare them.

    RUN is an execution id (12 or execution:12), a run name, or TYPE:NAME.
    """


@runs.command("ls")
@click.option("--experiment", metavar="NAME", help="Only runs in this experiment.")
@click.option("--tag", metavar="TAG", help="Only runs with this tag.")
@click.option(
    "--state",
    "run_state",
    type=click.Choice(STATES, case_sensitive=False),
    help="Only runs in this state.",
)
@click.option(
    "--since",
    metavar="TIME",
    help="Only runs started at or after TIME: 2026-11-01, 2026-11-01T08:30Z, or 30m/12h/7d/2w ago.",
)
@click.option("--until", metavar="TIME", help="Only runs started at or before TIME.")
@click.option("--type", "step", metavar="STEP", help="Only runs of this step (execution type).")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    metavar="N",
    help="Show at most N runs, newest first (0 for all).",
)
@db_option
@json_option
@pass_state
def runs_ls(
    state: AppState,
    experiment: str | None,
    tag: str | None,
    run_state: str | None,
    since: str | None,
    until: str | None,
    step: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List runs, newest first, filtered by experiment, tag, state, time or step.

    With --json, each run is given as by runs show --json, but with the number of installed
    packages and of series points instead of the lists.
    """
    from lineage.track import list_runs

    with state.open_store() as store:
        found = list_runs(
            store,
            experiment=experiment,
            tag=tag,
            state=run_state,
            since=since,
            until=until,
            type=step,
            limit=limit + 1 if limit else None,
        )
    more = bool(limit) and len(found) > limit
    found = found[:limit] if limit else found
    if as_json:
        print_json([r.to_dict(details=False) for r in found])
    else:
        rows = [
            [
                str(r.id),
                r.name,
                r.type,
                r.state,
                format_time(r.start_time or 0),
                _duration(r.duration),
                ", ".join(r.experiments),
                ", ".join(r.tags),
                _pairs(r.metrics),
            ]
            for r in found
        ]
        columns = ["id", "run", "step", "state", "started", "took", "experiment", "tags", "metrics"]
        print_table(None, columns, rows, fold=("metrics",))
    if more:
        stderr_note(f"showing the newest {limit} runs; pass --limit N for more (--limit 0 for all)")


def _script_text(info: Any) -> str | None:
    recorded = info.code.get(SCRIPT_FIELD)
    script = recorded.get("script") if isinstance(recorded, Mapping) else None
    return script if isinstance(script, str) else None


def _code_value(info: Any, key: str, value: Any) -> str:
    """A code field as text; a notebook's script as its format, size and number of cells."""
    script = _script_text(info) if key == SCRIPT_FIELD else None
    if script is None:
        return _text(value)
    from lineage.track.source import script_cells

    cells = len(script_cells(script))
    return (
        f"{value.get('format')} by {value.get('generator')}: {cells} code cells, "
        f"{len(script.encode('utf-8')):,} bytes (runs show --script prints it)"
    )


def _artifact_rows(items: Iterable[Any]) -> list[list[str]]:
    return [
        [
            a.path,
            f"artifact:{a.id}",
            a.type,
            a.uri or a.name,
            (f"{a.version_source} " if a.version_source else "") + (a.fingerprint or "")[:19],
            "" if a.version is None else str(a.version),
        ]
        for a in items
    ]


def _print_run(info: Any) -> None:
    emit(Text(info.label, style="bold"))
    fields = [
        ("step", info.type),
        ("state", info.state),
        ("started", format_time(info.start_time or 0)),
        ("ended", format_time(info.end_time or 0)),
        ("took", _duration(info.duration)),
        ("user", info.user or ""),
        ("host", info.host or ""),
        ("experiments", ", ".join(info.experiments)),
        ("pipelines", ", ".join((*info.pipelines, *info.pipeline_runs))),
        ("parent run", f"execution:{info.parent_id}" if info.parent_id else ""),
        ("tags", ", ".join(info.tags)),
        ("error", f"{info.error_type}: {info.error_message}" if info.error_type else ""),
    ]
    if info.environment is not None:
        env = info.environment
        fields.append(
            (
                "environment",
                f"Python {env.python_version} ({env.python_implementation}), {env.platform}, "
                f"{len(env.packages)} packages, {env.fingerprint[:19]}",
            )
        )
    print_fields([(k, v) for k, v in fields if v])
    if info.params:
        print_table(
            "Parameters", ["name", "value"], [[k, _text(v)] for k, v in info.params.items()]
        )
    if info.metrics:
        rows = [
            [k, _text(v), f"{len(info.series[k])} steps" if k in info.series else ""]
            for k, v in info.metrics.items()
        ]
        print_table("Metrics", ["name", "final", "series"], rows)
    columns = ["path", "artifact", "type", "uri", "fingerprint", "version"]
    for title, items in (("Inputs", info.inputs), ("Config files", info.configs)):
        if items:
            print_table(title, columns, _artifact_rows(items), fold=("uri",))
    if info.outputs:
        print_table("Outputs", columns, _artifact_rows(info.outputs), fold=("uri",))
    if info.code:
        rows = [[k, _code_value(info, k, v)] for k, v in info.code.items()]
        print_table("Code", ["field", "value"], rows, fold=("value",))
    if info.notes:
        rows = [[format_time(n.time), n.user, n.text] for n in info.notes]
        print_table("Notes", ["time", "user", "note"], rows, fold=("note",))


@runs.command("show")
@click.argument("run", metavar="RUN")
@click.option(
    "--script",
    is_flag=True,
    help="Print only the code cells a notebook run recorded, as a py:percent script.",
)
@db_option
@json_option
@pass_state
def runs_show(state: AppState, run: str, script: bool, as_json: bool) -> None:
    """Show one run: parameters, metrics, inputs, outputs, code, environment and notes.

    A notebook run's code cells are recorded as a script (code.notebook_script): the table
    gives its size, --script prints it, --json carries it.
    """
    from lineage.track import get_run

    if script and as_json:
        raise click.UsageError("--json and --script exclude each other")
    with state.open_store() as store:
        info = get_run(store, run)
    if script:
        text = _script_text(info)
        if text is None:
            reason = info.code.get("notebook_script_skipped")
            raise CliError(
                f"{info.label} has no recorded notebook script" + (f": {reason}" if reason else "")
            )
        click.echo(text, nl=not text.endswith("\n"))
    elif as_json:
        print_json(info.to_dict())
    else:
        _print_run(info)


@runs.command("compare")
@click.argument("run_refs", metavar="RUN RUN [RUN ...]", nargs=-1, required=True)
@click.option("--markdown", is_flag=True, help="Print Markdown instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="Show every row, not only those that differ.")
@db_option
@json_option
@pass_state
def runs_compare(
    state: AppState, run_refs: tuple[str, ...], markdown: bool, show_all: bool, as_json: bool
) -> None:
    """Compare runs: parameters, metrics, code, data fingerprints and package versions.

    Shows the rows that differ (and every metric); --all shows every row. Notebook runs are
    also compared cell by cell: each run's code cells against the first run's (added, removed
    and changed cells, numbered from 1, with a diff of each changed cell).
    """
    from lineage.track import compare

    if as_json and markdown:
        raise click.UsageError("--json and --markdown exclude each other")
    with state.open_store() as store:
        comparison = compare(store, list(run_refs))
    if as_json:
        click.echo(comparison.to_json(all=show_all))
    elif markdown:
        click.echo(comparison.to_markdown(all=show_all), nl=False)
    else:
        emit(comparison.to_table(all=show_all))


@click.command("tag")
@click.argument("node", metavar="NODE")
@click.argument("tags", metavar="TAG...", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove the tags instead of adding them.")
@db_option
@pass_state
def tag(state: AppState, node: str, tags: tuple[str, ...], remove: bool) -> None:
    """Add tags to (or remove them from) a run, an artifact or a context.

    NODE is a run id (12), execution:ID, artifact:ID, context:ID, TYPE:NAME, a URI or a name.
    """
    from lineage.track import tag as tag_node

    with state.open_store() as store:
        ref = tag_node(store, node, *tags, remove=remove)
    click.echo(f"{'untagged' if remove else 'tagged'} {ref}: {', '.join(tags)}")


@click.command("note")
@click.argument("node", metavar="NODE")
@click.argument("text", metavar="TEXT")
@db_option
@pass_state
def note(state: AppState, node: str, text: str) -> None:
    """Add a free-text note to a run, an artifact or a context (NODE as for lineage tag)."""
    from lineage.track import note as note_node

    with state.open_store() as store:
        ref = note_node(store, node, text)
    click.echo(f"noted on {ref}")


cli.add_command(runs)
cli.add_command(tag)
cli.add_command(note)
