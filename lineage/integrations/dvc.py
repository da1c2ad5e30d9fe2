"""DVC pipelines as lineage: ``lineage.dvc.import_pipeline("dvc.lock")``.

Inputs tracked by DVC need nothing from this module: :mod:`lineage.track.sources.dvc` records
them with DVC's hash whenever a run reads them. This module imports what DVC itself ran: every
stage in ``dvc.lock`` becomes one run (an execution of type ``<stage name>``) whose inputs are
the stage's dependencies and whose outputs are its outputs, each identified by the hash DVC
locked (not the file on disk now), with the stage's command as ``code.command`` and its locked
params (``params.yaml`` values) as parameters. Stages are written in dependency order, so an
output of one stage read by the next is one artifact joining them. Importing again writes
nothing for stages whose locked state was imported before (the run name carries a hash of it);
a changed stage is a new run. No ``dvc`` package is needed: ``dvc.lock`` is YAML.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lineage.errors import InvalidArgumentError, LineageError
from lineage.track import Run
from lineage.track.sources import dvc as dvc_source
from lineage.track.sources._files import find_root, relative
from lineage.track.stores import open_store

__all__ = ["ImportedStage", "import_pipeline"]

#: What an imported stage captures: nothing of the importing process (not what ran then).
_CAPTURE = {
    "environment": False,
    "entry_point": False,
    "command": False,
    "user": False,
    "host": False,
}


@dataclass(frozen=True)
class ImportedStage:
    """One ``dvc.lock`` stage and the run it is in the store as.

    Attributes:
        stage: The stage name.
        run_name: The run (execution) name: ``<stage>@<12 hex of the locked state>``.
        execution_id: The execution's id.
        created: False when the same locked state had been imported before.
    """

    stage: str
    run_name: str
    execution_id: int
    created: bool


def _flat_params(params: Any) -> dict[str, Any]:
    """``{"params.yaml": {"train.lr": 0.1}}`` → ``{"train.lr": 0.1}`` (file names kept only
    when two files set the same key)."""
    out: dict[str, Any] = {}
    if not isinstance(params, Mapping):
        return out
    for file, values in params.items():
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            name = str(key) if str(key) not in out else f"{file}:{key}"
            out[name] = value
    return out


def _order(stages: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Stage names with every producer before its consumers (file order among equals)."""
    producer = {o.path: name for name, st in stages.items() for o in st["outs"]}
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        for dep in stages[name]["deps"]:
            up = producer.get(dep.path)
            if up is not None and up != name:
                visit(up)
        visiting.discard(name)
        done.append(name)

    for name in stages:
        visit(name)
    return done


def _state_hash(stage: Mapping[str, Any]) -> str:
    record = {
        "cmd": stage.get("cmd"),
        "params": stage.get("params"),
        "deps": sorted((d.path, d.hash) for d in stage["deps"]),
        "outs": sorted((o.path, o.hash) for o in stage["outs"]),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _command(cmd: Any) -> str | None:
    if isinstance(cmd, list):
        return " && ".join(str(c) for c in cmd)
    return None if cmd is None else str(cmd)


def import_pipeline(
    path: str | os.PathLike[str] = "dvc.lock",
    *,
    store: Any = None,
    pipeline: str | None = None,
    experiment: str | None = None,
) -> list[ImportedStage]:
    """Record the stages of a DVC pipeline as runs, joined through their data.

    Args:
        path: A ``dvc.lock``, a ``dvc.yaml`` beside one, or the directory holding them.
        store: Where to record (a ``MetadataStore``, URL or path; default ``$LINEAGE_DB``, else
            ``./lineage.db``).
        pipeline: The pipeline to group the stages in (default: the DVC repository's folder
            name); a ``Pipeline`` context.
        experiment: An experiment to group the stage runs in.

    Returns:
        One :class:`ImportedStage` per stage, in the order they were written.

    Raises:
        InvalidArgumentError: No ``dvc.lock`` at ``path`` (DVC writes it when stages run:
            ``dvc repro``), or it holds no stages.
    """
    where = os.path.abspath(os.fspath(path))
    if os.path.isdir(where):
        where = os.path.join(where, "dvc.lock")
    elif os.path.basename(where) in ("dvc.yaml", "dvc.yml"):
        where = os.path.join(os.path.dirname(where), "dvc.lock")
    elif os.path.basename(where) != "dvc.lock":
        raise InvalidArgumentError(f"path: {where!r} is not a dvc.lock, a dvc.yaml or a folder")
    if not os.path.isfile(where):
        raise InvalidArgumentError(
            f"path: no dvc.lock at {where!r} (DVC writes it when the stages run: dvc repro)"
        )
    root = find_root(os.path.dirname(where), ".dvc") or os.path.dirname(where)
    stages = dvc_source.load_lock(where, root)
    if not stages:
        raise InvalidArgumentError(f"path: {where!r} holds no DVC stages")
    opened = open_store(store)
    pipeline_name = pipeline or os.path.basename(root) or "dvc"
    out: list[ImportedStage] = []
    for name in _order(stages):
        stage = stages[name]
        run_name = f"{name}@{_state_hash(stage)[:12]}"
        try:
            known = opened.get_execution_by_type_and_name(name, run_name)
        except LineageError:
            known = None
        if known is not None:
            out.append(ImportedStage(name, run_name, int(known.id), created=False))
            continue
        inputs = {
            f"deps.{relative(d.path, root)}": dvc_source.out_fingerprint(d) for d in stage["deps"]
        }
        outputs = {
            f"outs.{relative(o.path, root)}": dvc_source.out_fingerprint(o) for o in stage["outs"]
        }
        run = Run(
            name,
            params=_flat_params(stage.get("params")) or None,
            inputs=inputs or None,
            outputs=outputs or None,
            pipeline=pipeline_name,
            experiment=experiment,
            store=opened,
            run_name=run_name,
            tags=["dvc"],
            capture=_CAPTURE,
            code_directory=root,
            command=_command(stage.get("cmd")),
            note=f"imported from {relative(where, root)} (DVC stage {name})",
        )
        with run:
            pass
        assert run.id is not None
        out.append(ImportedStage(name, run_name, run.id, created=True))
    return out
