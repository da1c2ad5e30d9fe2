"""``lineage render NODE``: draw the lineage of a node (SVG, PNG, PDF, DOT, Mermaid or HTML)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from lineage.cli._app import AppState, CliError, db_option, pass_state
from lineage.errors import NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.render import (
    DEFAULT_COLLAPSE_THRESHOLD,
    DEFAULT_MAX_NODES,
    DEFAULT_TIMEOUT,
    FORMATS,
    diagram,
    format_of,
)
from lineage.store.naming import NodeRef, resolve_node

__all__ = ["fetch_lineage", "render"]

_DIRECTIONS = {
    "up": pb.LineageSubgraphQueryOptions.UPSTREAM,
    "down": pb.LineageSubgraphQueryOptions.DOWNSTREAM,
    "both": pb.LineageSubgraphQueryOptions.BIDIRECTIONAL,
}
_WORDS = {"up": "Upstream lineage", "down": "Downstream lineage", "both": "Lineage"}


def fetch_lineage(store: Any, ref: NodeRef, direction: str, hops: int | None) -> Any:
    """The ``LineageGraph`` around a node, by one ``get_lineage_subgraph`` call.

    A context starts from its executions (else its artifacts) and walks one hop unless
    ``hops`` says otherwise, so it draws the run itself rather than everything connected to it.

    Raises:
        NotFoundError: A context with no artifacts or executions.
    """
    query = pb.LineageSubgraphQueryOptions(direction=_DIRECTIONS[direction])
    if ref.kind == "context":
        if hops is None:
            hops = 1
        query.max_num_hops = hops
        query.starting_executions.filter_query = f"contexts_a.id = {ref.id}"
        try:
            return store.get_lineage_subgraph(query)
        except NotFoundError:
            pass
        query.starting_artifacts.filter_query = f"contexts_a.id = {ref.id}"
        try:
            return store.get_lineage_subgraph(query)
        except NotFoundError:
            raise NotFoundError(f"{ref.ref} has no artifacts or executions to draw") from None
    if hops is not None:
        query.max_num_hops = hops
    start = query.starting_artifacts if ref.kind == "artifact" else query.starting_executions
    start.filter_query = f"id = {ref.id}"
    return store.get_lineage_subgraph(query)


def _write_stdout(result: bytes | str, fmt: str) -> None:
    if isinstance(result, str):
        click.echo(result, nl=False)
        return
    if sys.stdout.isatty():
        raise CliError(f"{fmt.upper()} is binary and stdout is a terminal: pass -o FILE")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        raise CliError(f"cannot write {fmt.upper()} to this stdout: pass -o FILE")
    sys.stdout.flush()
    buffer.write(result)
    buffer.flush()


@click.command("render")
@click.argument("node")
@click.option("--up", "direction", flag_value="up", help="Draw what NODE came from.")
@click.option("--down", "direction", flag_value="down", help="Draw what came from NODE.")
@click.option(
    "--both", "direction", flag_value="both", default=True, help="Draw both ways [default]."
)
@click.option(
    "--hops",
    type=click.IntRange(min=0),
    default=None,
    help="Most hops to walk (default: the whole lineage; 1 for a context).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format [default: from the -o suffix, else svg].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE (default: stdout).",
)
@click.option(
    "--clusters/--no-clusters",
    default=None,
    help="Draw contexts (pipeline runs, experiments) as boxes [default: only for a context].",
)
@click.option("--legend", is_flag=True, help="Add a legend of the shapes and colours.")
@click.option("--title", default=None, help="Heading above the diagram [default: the node].")
@click.option(
    "--max-nodes",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_NODES,
    show_default=True,
    help="Draw at most this many nodes, nearest NODE first (0: no limit).",
)
@click.option(
    "--collapse",
    type=click.IntRange(min=0),
    default=DEFAULT_COLLAPSE_THRESHOLD,
    show_default=True,
    help="Collapse fan-in/fan-out above this into '+N more' nodes (0: never).",
)
@click.option("--no-shortcuts", is_flag=True, help="Leave out edges implied by a longer path.")
@click.option("--no-edge-labels", is_flag=True, help="Do not label edges with event paths.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds Graphviz may take.",
)
@db_option
@pass_state
def render(
    state: AppState,
    node: str,
    direction: str,
    hops: int | None,
    fmt: str | None,
    output: Path | None,
    clusters: bool | None,
    legend: bool,
    title: str | None,
    max_nodes: int,
    collapse: int,
    no_shortcuts: bool,
    no_edge_labels: bool,
    timeout: float,
) -> None:
    """Draw the lineage of NODE.

    SVG, PNG, PDF and HTML need Graphviz (`dot`); DOT and Mermaid text need nothing. The HTML
    page is self-contained: pan, zoom, search and node details on hover or click.
    """
    fmt = fmt or (format_of(output) if output is not None else "svg")
    with state.open_store() as store:
        ref = resolve_node(store, node)
        graph = fetch_lineage(store, ref, direction, hops)
    if collapse == 1:
        raise click.BadParameter("must be 0 (never) or at least 2", param_hint="'--collapse'")
    drawing = diagram(
        graph,
        focus=() if ref.kind == "context" else (ref.ref,),
        clusters=ref.kind == "context" if clusters is None else clusters,
        legend=legend,
        title=title if title is not None else f"{_WORDS[direction]} of {ref}",
        max_nodes=max_nodes or None,
        collapse_threshold=collapse or None,
        reduce_transitive=no_shortcuts,
        edge_labels=not no_edge_labels,
    )
    result = drawing.render(fmt, timeout=timeout)
    for note in drawing.notes:
        click.echo(f"note: {note}", err=True)
    if output is None:
        _write_stdout(result, fmt)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(result, bytes):
        output.write_bytes(result)
    else:
        output.write_text(result, encoding="utf-8")
    click.echo(f"wrote {output}")
