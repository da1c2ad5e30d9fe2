"""``lineage import openlineage FILE`` and ``lineage export openlineage [NODE|--all]``."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from lineage.cli._app import AppState, CliError, db_option, json_option, pass_state
from lineage.cli._output import print_fields, print_json

__all__ = ["export_group", "import_group"]

#: The environment variable holding the API key sent to ``--url`` (as openlineage-python's).
API_KEY_ENV = "OPENLINEAGE_API_KEY"


@click.group("import")
def import_group() -> None:
    """Record lineage that other tools wrote."""


@click.group("export")
def export_group() -> None:
    """Write the store's lineage for other tools."""


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, line


def _events(path: Path) -> Iterator[dict[str, Any]]:
    for _, line in _lines(path):
        event: dict[str, Any] = json.loads(line)
        yield event


def _check_file(path: Path) -> int:
    """Validate every line first, so that a bad line writes nothing; return the event count."""
    from lineage.errors import EventValidationError
    from lineage.openlineage import validate_event

    count = 0
    for number, line in _lines(path):
        try:
            validate_event(json.loads(line))
        except ImportError as exc:
            raise CliError(str(exc)) from None
        except EventValidationError as exc:
            raise CliError(f"{path}, line {number}: {exc}") from None
        except ValueError as exc:
            raise CliError(f"{path}, line {number}: not JSON ({exc})") from None
        count += 1
    return count


@import_group.command("openlineage")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=100, show_default=True, help="Events per transaction.")
@db_option
@json_option
@pass_state
def import_openlineage(state: AppState, file: Path, batch_size: int, as_json: bool) -> None:
    """Record the OpenLineage events of FILE (JSON Lines, as OpenLineage's file transport
    writes them). Every line is checked against the OpenLineage schema before anything is
    written; a bad line names its line number and field."""
    from lineage.openlineage import ingest

    if batch_size < 1:
        raise CliError("--batch-size must be at least 1")
    total = _check_file(file)
    with state.open_store(read=False) as store, _progress(total, "importing") as advance:
        result = ingest(store, _events(file), batch_size=batch_size, progress=advance)
    data = {"file": str(file), **result.to_dict()}
    data.pop("executions")
    if as_json:
        print_json(data)
        return
    print_fields(
        [
            ("file", str(file)),
            ("events", str(result.events)),
            ("new", str(result.new)),
            ("already recorded", str(result.events - result.new)),
            ("runs", str(result.runs)),
        ]
    )


@export_group.command("openlineage")
@click.argument("node", required=False)
@click.option("--all", "everything", is_flag=True, help="Every execution of the store.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JSON Lines to this file (default: standard output).",
)
@click.option(
    "--url",
    help="Post each event to this OpenLineage endpoint (Marquez: http://HOST:5000); the API "
    f"key, if any, comes from ${API_KEY_ENV}.",
)
@click.option(
    "--endpoint", default="api/v1/lineage", show_default=True, help="The path under --url."
)
@click.option(
    "--namespace",
    default="lineage",
    show_default=True,
    help="The job namespace of runs that did not come from OpenLineage.",
)
@db_option
@pass_state
def export_openlineage(
    state: AppState,
    node: str | None,
    everything: bool,
    output: Path | None,
    url: str | None,
    endpoint: str,
    namespace: str,
) -> None:
    """Write the runs in NODE's provenance (or --all runs) as OpenLineage run events."""
    from lineage.openlineage import events

    if (node is None) == (not everything):
        raise CliError("name a NODE or give --all (not both)")
    if output is not None and url is not None:
        raise CliError("give -o FILE or --url, not both")
    with state.open_store() as store:
        stream = events(store, None if everything else node, namespace=namespace)
        if url is not None:
            sent = _post_all(stream, url.rstrip("/") + "/" + endpoint.lstrip("/"))
            click.echo(f"posted {sent} events to {url}", err=True)
            return
        handle: IO[str] = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            count = 0
            for event in stream:
                handle.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n")
                count += 1
        finally:
            if output is not None:
                handle.close()
        if output is not None:
            click.echo(f"wrote {count} events to {output}", err=True)


def _post_all(stream: Iterator[dict[str, Any]], target: str) -> int:
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(API_KEY_ENV)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    sent = 0
    for event in stream:
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        request = urllib.request.Request(target, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace").strip()
            raise CliError(
                f"{target} refused event {sent + 1} (run {event['run']['runId']}): "
                f"HTTP {exc.code} {detail}"
            ) from None
        except OSError as exc:
            raise CliError(f"cannot post to {target}: {exc}") from None
        sent += 1
    return sent


class _progress:
    """A progress bar on stderr while events are recorded (quiet when stderr is no terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        console = Console(stderr=True)
        if console.is_terminal:
            self.bar = Progress(
                f"[bold]{self.label}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)

        def advance(done: int) -> None:
            if self.bar is not None:
                self.bar.update(self.task, completed=done)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
