"""``lineage erase plan|apply``: plan an erasure, review it, apply it with a receipt."""

from __future__ import annotations

from pathlib import Path

import click

from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import print_json, print_table

__all__ = ["erase"]


@click.group()
def erase() -> None:
    """Erase personal data while keeping the lineage provable (plan, review, apply)."""


@erase.command(name="plan")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--reason", required=True, help="Why (recorded in the receipt), e.g. 'GDPR art. 17 #4711'."
)
@click.option("--requested-by", default=None, help="Who asks for it (default: the current user).")
@click.option(
    "--delete",
    "delete_targets",
    is_flag=True,
    help="Delete the targets instead of tombstoning them.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the plan as JSON to this file.",
)
@json_option
@db_option
@pass_state
def plan_command(
    state: AppState,
    targets: tuple[str, ...],
    reason: str,
    requested_by: str | None,
    delete_targets: bool,
    output: Path | None,
    as_json: bool,
) -> None:
    """Plan the erasure of TARGETS and show what would happen to every node.

    A target is a node (artifact:ID, TYPE:NAME, URI), subject:ID (artifacts recorded with that
    data subject), uri:PREFIX, or query:FILTER (an MLMD filter query).
    """
    from lineage.erasure import plan

    with state.open_store() as store:
        result = plan(
            store,
            list(targets),
            reason=reason,
            requested_by=requested_by,
            delete_targets=delete_targets,
        )
    if output is not None:
        result.save(output)
        click.echo(f"wrote {output}", err=True)
    if as_json:
        click.echo(result.to_json())
        return
    click.echo(f"Erasure plan {result.erasure_id}: {result.reason}")
    print_table(
        "Actions (" + ", ".join(f"{n} {a}" for a, n in sorted(result.counts().items())) + ")",
        ["action", "node", "type", "name / uri", "hops", "why"],
        [
            [a.action, a.key, a.type, a.name or a.uri or "", str(a.hops), a.reason]
            for a in sorted(result.actions, key=lambda x: (x.action, x.hops, x.key))
        ],
        fold=("why",),
    )


@erase.command(name="apply")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--applied-by", default=None, help="Who applies it (default: who requested it).")
@click.option(
    "--receipt",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the receipt (JSON, or Markdown for .md).",
)
@json_option
@db_option
@pass_state
def apply_command(
    state: AppState,
    plan_file: Path,
    yes: bool,
    applied_by: str | None,
    receipt: Path | None,
    as_json: bool,
) -> None:
    """Apply an erasure plan (one transaction) and print its receipt."""
    from lineage.erasure import Plan, apply

    plan = Plan.load(plan_file)
    counts = ", ".join(f"{n} {a}" for a, n in sorted(plan.counts().items()))
    if not yes:
        click.confirm(
            f"Apply erasure {plan.erasure_id} ({counts}) to {state.location}?", abort=True, err=True
        )
    with state.open_store() as store:
        result = apply(store, plan, applied_by=applied_by)
    if receipt is not None:
        receipt.write_text(
            result.to_markdown() if receipt.suffix == ".md" else result.to_json() + "\n"
        )
        click.echo(f"wrote {receipt}", err=True)
    if as_json:
        print_json(result.to_dict())
    else:
        click.echo(result.to_text())
