"""``lineage report audit|gdpr|verify``: audit dossiers, GDPR reports, and checking stored ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lineage.cli._app import AppState, CliError, db_option, pass_state

__all__ = ["report"]

FORMATS = ("md", "html", "json")
_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def _format_option(fn: Any) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="md (Markdown), html (one self-contained page) or json (canonical, with its "
        "sha256) [default: from the -o suffix, else md].",
    )(fn)


def _output_option(fn: Any) -> Any:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file instead of stdout.",
    )(fn)


def _emit(document: Any, fmt: str | None, output: Path | None) -> None:
    if fmt is None:
        fmt = _SUFFIXES.get(output.suffix.lower(), "md") if output is not None else "md"
    if fmt == "json":
        text = document.to_json(indent=2) + "\n"
    elif fmt == "html":
        text = document.to_html()
    else:
        text = document.to_markdown()
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@click.group()
def report() -> None:
    """Audit dossiers of models and GDPR reports of data subjects or datasets."""


@report.command(name="audit")
@click.argument("model")
@_format_option
@_output_option
@click.option(
    "--reveal-subjects",
    is_flag=True,
    help="List data subjects by their ids (default: as sha256 hashes, like erasure receipts).",
)
@db_option
@pass_state
def audit_command(
    state: AppState, model: str, fmt: str | None, output: Path | None, reveal_subjects: bool
) -> None:
    """The audit dossier of MODEL: provenance, runs, evaluations, erasures and the diagram.

    MODEL is an artifact: artifact:ID, TYPE:NAME, a URI or a name. The JSON form carries a
    sha256 over its canonical form; check a stored copy with `lineage report verify FILE`.
    """
    from lineage.report import audit

    with state.open_store() as store:
        dossier = audit(store, model, reveal_subjects=reveal_subjects)
    _emit(dossier, fmt, output)


@report.command(name="gdpr")
@click.argument("target")
@_format_option
@_output_option
@db_option
@pass_state
def gdpr_command(state: AppState, target: str, fmt: str | None, output: Path | None) -> None:
    """Where the data of TARGET went, and the erasure status of every artifact it reached.

    TARGET is subject:ID (the artifacts recorded with that data subject, and what erasures of
    that subject left), a dataset (artifact:ID, TYPE:NAME, a URI or a name), uri:PREFIX or
    query:FILTER.
    """
    from lineage.report import gdpr_report

    with state.open_store() as store:
        result = gdpr_report(store, target)
    _emit(result, fmt, output)


@report.command(name="verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check that a stored JSON dossier or GDPR report still matches its sha256.

    Exits with 0 when it does, 1 when the file was changed after it was written.
    """
    from lineage.report import verify_report

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {file}: {exc}") from exc
    if not verify_report(text):
        raise CliError(f"{file} does not match its sha256: it was changed after it was written")
    import json

    click.echo(f"ok: {file} matches its {json.loads(text)['sha256']}")
