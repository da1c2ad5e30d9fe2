"""``lineage db``: look at the store itself, and move its schema between MLMD versions."""

from __future__ import annotations

from typing import Any

import click

import lineage
from lineage.cli._app import (
    AppState,
    CliError,
    db_option,
    json_option,
    library_schema_version,
    pass_state,
    probe,
    sqlite_file,
)
from lineage.cli._output import print_fields, print_json

__all__ = ["db"]


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _counts(store: lineage.MetadataStore) -> dict[str, int]:
    """Count types, nodes and events through the public API."""
    artifact_types = store.get_artifact_types()
    execution_types = store.get_execution_types()
    context_types = store.get_context_types()
    executions = store.get_executions()
    events = store.get_events_by_execution_ids([e.id for e in executions]) if executions else []
    return {
        "artifact_types": len(artifact_types),
        "execution_types": len(execution_types),
        "context_types": len(context_types),
        "artifacts": len(store.get_artifacts()),
        "executions": len(executions),
        "contexts": len(store.get_contexts()),
        "events": len(events),
    }


def _store_info(db: str) -> dict[str, Any]:
    """Everything ``db info`` shows, as a JSON-ready dict."""
    found = probe(db)
    if found.version is None:
        raise CliError(f"no store at {found.url} (the database is empty); record something first")
    library = library_schema_version()
    path = sqlite_file(db)
    counts = None
    indexes = None
    if found.version == library:
        from lineage.store import link_indexes

        with lineage.MetadataStore(db) as store:
            counts = _counts(store)
            indexes = link_indexes(store)
    return {
        "url": found.url,
        "dialect": found.dialect,
        "schema_version": found.version,
        "library_schema_version": library,
        "file": str(path) if path is not None else None,
        "file_size": path.stat().st_size if path is not None else None,
        "counts": counts,
        "link_indexes": indexes,
    }


@click.group()
def db() -> None:
    """Inspect the store and migrate its schema."""


@db.command("info")
@db_option
@json_option
@pass_state
def info(state: AppState, as_json: bool) -> None:
    """Show where the store is, its dialect, schema version, size and counts.

    The URL is shown without its password. A store whose schema version differs from this
    lineage's is described without counts (run `lineage db upgrade` first).
    """
    data = _store_info(state.require_existing())
    if as_json:
        print_json(data)
        return
    counts = data["counts"]
    rows: list[tuple[str, str]] = [
        ("store", data["url"]),
        ("dialect", data["dialect"]),
        ("schema version", str(data["schema_version"])),
    ]
    if data["file_size"] is not None:
        rows.append(("file size", _size(data["file_size"])))
    if counts is None:
        rows.append(
            (
                "note",
                f"this lineage uses schema version {data['library_schema_version']}; "
                "run `lineage db upgrade` to count the contents",
            )
        )
    else:
        types = counts["artifact_types"] + counts["execution_types"] + counts["context_types"]
        rows.append(
            (
                "types",
                f"{types} ({counts['artifact_types']} artifact, {counts['execution_types']} "
                f"execution, {counts['context_types']} context)",
            )
        )
        for key in ("artifacts", "executions", "contexts", "events"):
            rows.append((key, str(counts[key])))
    if data["link_indexes"] is not None:
        have = all(data["link_indexes"].values())
        rows.append(
            (
                "link indexes",
                "present (lineage db optimize)"
                if have
                else "absent (`lineage db optimize` speeds up provenance on big stores)",
            )
        )
    print_fields(rows)


@db.command("optimize")
@db_option
@click.option("--undo", is_flag=True, help="Drop the indexes this command adds.")
@json_option
@pass_state
def optimize(state: AppState, undo: bool, as_json: bool) -> None:
    """Index Attribution and Association by node, for fast contexts of nodes.

    ml-metadata's schema indexes these link tables by context only, so finding the contexts of
    given nodes (provenance, impact, get_lineage_subgraph's default field mask, deletes) reads
    the whole tables; on big stores that is most of a provenance query. This adds two indexes
    outside MLMD's schema (ml-metadata keeps working with the store; its schema migrations may
    drop them). Run it again after an upgrade or downgrade; --undo removes them.
    """
    from lineage.store import link_indexes
    from lineage.store import optimize as set_indexes

    location = state.require_existing()
    with lineage.MetadataStore(location) as store:
        changed = set_indexes(store, undo=undo)
        now = link_indexes(store)
    if as_json:
        print_json({"changed": changed, "indexes": now})
        return
    verb = "dropped" if undo else "created"
    if changed:
        click.echo(f"{verb}: {', '.join(changed)}")
    else:
        click.echo(
            "nothing to do: the indexes are " + ("absent" if undo else "present") + " already"
        )


@db.command("upgrade")
@db_option
@pass_state
def upgrade(state: AppState) -> None:
    """Upgrade an older store to this lineage's schema version, in place.

    Back up the database first: an upgraded store cannot be read by the older library that wrote
    it until it is downgraded again.
    """
    location = state.require_existing()
    found = probe(location)
    before = found.version
    if before is None:
        raise CliError(f"no store at {found.url} (the database is empty); nothing to upgrade")
    if before == library_schema_version():
        click.echo(f"{found.url} is at schema version {before} already; nothing to upgrade")
        return
    lineage.MetadataStore(location, enable_upgrade_migration=True).close()
    after = probe(location).version
    click.echo(f"upgraded {found.url} from schema version {before} to {after}")


@db.command("downgrade")
@db_option
@click.option(
    "--to",
    "to_version",
    required=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="The schema version to migrate down to.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def downgrade(state: AppState, to_version: int, yes: bool) -> None:
    """Downgrade the store's schema to version N (for an older ml-metadata or lineage).

    Asks for confirmation unless --yes is given. This lineage refuses to open the store again
    until `lineage db upgrade` brings it back.
    """
    location = state.require_existing()
    found = probe(location)
    before = found.version
    if before is None:
        raise CliError(f"no store at {found.url} (the database is empty); nothing to downgrade")
    if to_version >= before:
        click.echo(f"{found.url} is at schema version {before}; nothing to downgrade")
        return
    if not yes:
        click.confirm(
            f"Downgrade {found.url} from schema version {before} to {to_version}? "
            "This lineage will not open it until it is upgraded again",
            abort=True,
            err=True,
        )
    lineage.downgrade_schema(location, to_version)
    after = probe(location).version
    click.echo(f"downgraded {found.url} from schema version {before} to {after}")
