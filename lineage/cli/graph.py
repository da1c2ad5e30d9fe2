"""``lineage trace``, ``provenance``, ``impact`` and ``diff``: the deep lineage questions."""

from __future__ import annotations

from typing import Any

import click

from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import emit, print_json, print_table
from lineage.graph import diff as diff_of
from lineage.graph import downstream, upstream
from lineage.graph import impact as impact_of
from lineage.graph import provenance as provenance_of
from lineage.graph._values import format_ms, short

__all__ = ["diff", "impact", "provenance", "trace"]


def _hops_option(fn: Any) -> Any:
    return click.option(
        "--hops", type=click.IntRange(min=0), default=None, help="Most hops to walk (default: all)."
    )(fn)


def _render_option(fn: Any) -> Any:
    return click.option(
        "--render",
        "render_to",
        metavar="FILE",
        default=None,
        help="Also draw the lineage to FILE (.svg, .png, .pdf, .dot, .mmd or .html).",
    )(fn)


def _draw(obj: Any, path: str | None) -> None:
    if not path:
        return
    from lineage.render import render

    fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "svg"
    render(obj, format={"mmd": "mermaid", "htm": "html"}.get(fmt, fmt), output=path)
    click.echo(f"wrote {path}", err=True)


@click.group()
def trace() -> None:
    """Walk the lineage of a node upstream or downstream."""


def _trace(
    state: AppState,
    node: str,
    direction: str,
    hops: int | None,
    types: tuple[str, ...],
    limit: int | None,
    as_json: bool,
) -> None:
    walker = upstream if direction == "up" else downstream
    with state.open_store() as store:
        result = walker(store, node, max_hops=hops, types=list(types) or None, limit=limit)
    nodes = result.nodes()
    if as_json:
        print_json(
            {
                "direction": result.direction,
                "focus": list(result.focus),
                "truncated": result.truncated,
                "total": result.total,
                "nodes": [
                    {
                        "key": k,
                        "hops": result.hops[k],
                        "type": nodes[k].type,
                        "name": nodes[k].name or None,
                        "uri": getattr(nodes[k], "uri", None) or None,
                    }
                    for k in sorted(result.hops, key=lambda k: (result.hops[k], k))
                ],
                "events": [
                    {"artifact": f"artifact:{a}", "execution": f"execution:{x}", "type": t}
                    for a, x, t, _, _ in result.edges
                ],
            }
        )
        return
    rows = []
    for k in sorted(result.hops, key=lambda k: (result.hops[k], k)):
        n = nodes[k]
        rows.append(
            [
                str(result.hops[k]),
                k,
                n.type,
                n.name or "",
                getattr(n, "uri", "") or "",
                format_ms(n.create_time_since_epoch),
            ]
        )
    print_table(result.summary(), ["hops", "node", "type", "name", "uri", "created"], rows)
    if result.truncated:
        click.echo(
            f"note: truncated at {len(result.hops)} of {result.total} nodes (raise --limit)",
            err=True,
        )


def _trace_command(direction: str) -> Any:
    @click.command(
        name=direction, help=f"Walk {'up' if direction == 'up' else 'down'}stream from NODE."
    )
    @click.argument("node")
    @_hops_option
    @click.option(
        "--type", "types", multiple=True, help="Keep only nodes of this type (repeatable)."
    )
    @click.option("--limit", type=click.IntRange(min=1), default=None, help="Most nodes to show.")
    @json_option
    @db_option
    @pass_state
    def command(
        state: AppState,
        node: str,
        hops: int | None,
        types: tuple[str, ...],
        limit: int | None,
        as_json: bool,
    ) -> None:
        _trace(state, node, direction, hops, types, limit, as_json)

    return command


trace.add_command(_trace_command("up"))
trace.add_command(_trace_command("down"))


@click.command()
@click.argument("node")
@_hops_option
@json_option
@_render_option
@db_option
@pass_state
def provenance(
    state: AppState, node: str, hops: int | None, as_json: bool, render_to: str | None
) -> None:
    """What produced NODE: data, code, parameters, environment, steps and contexts."""
    with state.open_store() as store:
        result = provenance_of(store, node, max_hops=hops)
    _draw(result, render_to)
    if as_json:
        click.echo(result.to_json())
        return
    click.echo(f"Provenance of {result.name}")
    print_table(
        f"Steps ({len(result.steps)}, in the order they ran)",
        ["step", "type", "name", "state", "started", "by", "parameters", "code"],
        [
            [
                s.key,
                s.type,
                s.name or "",
                s.state or "",
                format_ms(s.started),
                s.user or "",
                ", ".join(f"{k}={short(v, 24)}" for k, v in s.parameters.items()),
                (s.code.commit or "")[:10] + (" (dirty)" if s.code and s.code.dirty else "")
                if s.code
                else "",
            ]
            for s in result.steps
        ],
        fold=("parameters",),
    )
    print_table(
        f"Inputs ({len(result.inputs)})",
        ["node", "kind", "type", "name", "uri", "version", "fingerprint", "root"],
        [
            [
                i.key,
                i.kind,
                i.type,
                i.name or "",
                i.uri or "",
                "" if i.version is None else str(i.version),
                (f"{i.version_source} " if i.version_source else "") + (i.fingerprint or "")[:23],
                "yes" if i.root else "",
            ]
            for i in result.inputs
        ],
    )
    for env in result.environments:
        click.echo(
            f"Environment {env.key}: Python {env.python_version} on {env.platform}, "
            f"{len(env.packages)} packages"
        )
    if result.contexts:
        click.echo("Contexts: " + ", ".join(f"{c.type} {c.name}" for c in result.contexts))
    if result.missing:
        click.echo("Not recorded:")
        for line in result.missing:
            click.echo(f"  - {line}")


@click.command()
@click.argument("node")
@_hops_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Most nodes to walk.")
@json_option
@db_option
@pass_state
def impact(state: AppState, node: str, hops: int | None, limit: int | None, as_json: bool) -> None:
    """Everything downstream of NODE, grouped by kind, with the path to each."""
    with state.open_store() as store:
        result = impact_of(store, node, max_hops=hops, limit=limit)
    if as_json:
        click.echo(result.to_json())
        return
    counts = ", ".join(f"{n} {g}" for g, n in result.counts().items()) or "nothing"
    click.echo(f"Impact of {result.source}: {counts}")
    for group, items in result.groups.items():
        print_table(
            f"{group} ({len(items)})",
            ["node", "type", "name / uri", "state", "hops", "path"],
            [
                [
                    i.key,
                    i.type,
                    i.name or i.uri or "",
                    i.state or "",
                    str(i.hops),
                    " → ".join(i.path),
                ]
                for i in items
            ],
            fold=("path",),
        )
    if result.lineage.truncated:
        click.echo(
            f"note: truncated at {len(result.lineage.hops)} of {result.lineage.total} nodes",
            err=True,
        )


@click.command()
@click.argument("a")
@click.argument("b")
@_hops_option
@json_option
@click.option("--markdown", is_flag=True, help="Print Markdown instead of text.")
@_render_option
@db_option
@pass_state
def diff(
    state: AppState,
    a: str,
    b: str,
    hops: int | None,
    as_json: bool,
    markdown: bool,
    render_to: str | None,
) -> None:
    """Compare the ancestries of A and B (e.g. a good model and a regressed one)."""
    with state.open_store() as store:
        result = diff_of(store, a, b, max_hops=hops)
    _draw(result, render_to)
    if as_json:
        click.echo(result.to_json())
    elif markdown:
        click.echo(result.to_markdown())
    else:
        emit(result.to_text())
