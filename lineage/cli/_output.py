"""Printing for the command line: rich tables, readable values and JSON.

Tables go to stdout through a rich ``Console`` made per call (so click's test runner captures
them). When stdout is not a terminal the console is wide, so piped output is not cut at 80
columns. Cell text is passed as ``rich.text.Text``, never as markup, so a name like ``[red]``
prints as written.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

import click
from google.protobuf import json_format, text_format
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lineage.graph.describe import enum_name, event_path, proto_dict

__all__ = [
    "console",
    "emit",
    "enum_name",
    "event_path",
    "format_time",
    "format_value",
    "print_fields",
    "print_json",
    "print_table",
    "properties_summary",
    "proto_dict",
    "stderr_note",
]

#: Width of the console when stdout is not a terminal (pipes, files, tests).
PIPE_WIDTH = 200


def console() -> Console:
    """A rich console on the current stdout."""
    stream = sys.stdout
    width = None if _isatty(stream) else PIPE_WIDTH
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def emit(renderable: Any) -> None:
    """Print a rich renderable; off a terminal, without the trailing blanks rich pads lines with."""
    out = console()
    if _isatty(sys.stdout):
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    for line in captured.get().splitlines():
        click.echo(line.rstrip())


def print_fields(rows: Iterable[tuple[str, str]]) -> None:
    """Print ``name  value`` lines with the names aligned (values may span several lines)."""
    rows = list(rows)
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        lines = value.splitlines() or [""]
        click.echo(f"{key:<{width}}  {lines[0]}".rstrip())
        for line in lines[1:]:
            click.echo(f"{'':<{width}}  {line}".rstrip())


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON with sorted keys (nothing else goes to stdout)."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    fold: Sequence[str] = (),
) -> None:
    """Print a table; columns named in ``fold`` wrap long values instead of cutting them."""
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for name in columns:
        if name in fold:
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name, no_wrap=True, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    emit(table)


def format_time(milliseconds: int) -> str:
    """A time in milliseconds since the epoch as ``YYYY-MM-DD HH:MM:SSZ`` (UTC); '' for 0."""
    if not milliseconds:
        return ""
    when = dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%SZ")


def _unpack(any_value: Any) -> str:
    """A ``google.protobuf.Any`` as one line of text format, or its type and size."""
    from google.protobuf import symbol_database

    type_name = any_value.type_url.rpartition("/")[2]
    try:
        cls = symbol_database.Default().GetSymbol(type_name)
        message = cls()
        any_value.Unpack(message)
        body = text_format.MessageToString(message, as_one_line=True)
    except Exception:  # an unknown message type: show what we know about it
        return f"<{type_name or 'proto'}, {len(any_value.value)} bytes>"
    return f"{type_name} {{{body}}}"


def format_value(value: Any) -> str:
    """An MLMD ``Value`` as readable text (struct as compact JSON, proto as text format, a double
    as ``runs compare`` shows it)."""
    which = value.WhichOneof("value")
    if which is None:
        return ""
    if which == "struct_value":
        data = json_format.MessageToDict(value.struct_value)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if which == "double_value":
        from lineage.track.comparison import format_number

        return format_number(value.double_value)
    if which == "proto_value":
        from lineage.track.comparison import format_number
        from lineage.track.records import read_series

        series = read_series(value)
        if series is not None:  # a run's metric series, packed (D40)
            if not series.steps:
                return "series of 0 points"
            return (
                f"series of {len(series):,} points, steps {series.steps[0]}…{series.steps[-1]}, "
                f"last {format_number(series.values[-1])}"
            )
        return _unpack(value.proto_value)
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    return str(getattr(value, which))


def properties_summary(node: Any, limit: int = 3, width: int = 40) -> str:
    """The first few properties and custom properties of ``node`` as ``k=v`` pairs."""
    items = [(k, node.properties[k]) for k in sorted(node.properties)]
    items += [(k, node.custom_properties[k]) for k in sorted(node.custom_properties)]
    parts = []
    for key, value in items[:limit]:
        text = format_value(value)
        if len(text) > width:
            text = text[: width - 1] + "…"
        parts.append(f"{key}={text}")
    if len(items) > limit:
        parts.append(f"(+{len(items) - limit})")
    return " ".join(parts)


def stderr_note(text: str) -> None:
    """A note for the user on stderr (keeps stdout clean for JSON)."""
    click.echo(text, err=True)
