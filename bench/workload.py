"""A seeded, pipeline-shaped lineage graph for benchmarks, written fast through lineage's store.

The graph looks like what TFX / Kubeflow Pipelines leave in an MLMD database:

* **Pipelines** (``pipeline`` contexts) and their **runs** (``pipeline_run`` contexts, each the
  child of its pipeline). Runs of different pipelines interleave in time, as they do on a shared
  metadata server, so the rows of one run are not contiguous with the previous run of the same
  pipeline.
* Inside a run, a **chain of steps**: each step is an execution that reads 1-3 artifacts and
  writes 1-3 (2 on average), so there are about 2N artifacts and 4N events for N executions.
  Most runs are 4-24 steps long and branch (a step reads the output of one of the last few steps,
  plus, usually, an output of an earlier step: **fan-in**; an output read by several later steps
  is **fan-out**). A few runs are **deep**: a strict 50-step chain (an iterative training loop)
  whose last step writes a model, so the walk from that model to its roots is 100 hops, the most
  ml-metadata's ``get_lineage_subgraph`` walks.
* **Root datasets** nothing produced: per pipeline, a handful of sources (one is read by most of
  its runs, Zipf-distributed) and shared reference data (schemas, vocabularies) that steps read
  mid-run; a few global datasets are read by every pipeline now and then.
* TFX-like types with declared properties (int, string and double), custom properties, artifact
  states, execution states, event paths (``[key, index]``) and event times.

Runs are generated one at a time from one seeded ``random.Random`` and written in batches of a
few thousand executions (``put_contexts``, ``put_artifacts``, ``put_executions``, ``put_events``,
``put_attributions_and_associations``, ``put_parent_contexts``), so memory is bounded by the batch,
not by N: a million executions stream through the same code.

The built database is cached under ``bench/.cache/`` (SQLite files, and a JSON record per
MariaDB database named ``lineage_bench_n{N}_s{seed}_v{version}``), keyed by (N, seed, dialect
and :data:`VERSION`). Reruns reuse it.

Usage::

    info = build_workload(10_000, seed=1, dialect="sqlite")
    info.final_model_id, info.root_dataset_id, info.sqlite_path
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CACHE_DIR",
    "DEFAULT_MYSQL_URL",
    "VERSION",
    "RunSpec",
    "StepSpec",
    "WorkloadInfo",
    "build_workload",
    "generate_runs",
    "mysql_database_name",
    "workload_key",
]

#: Bump when the generator changes: it is part of the cache key.
VERSION = 1
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"

DEEP_STEPS = 50  # executions in a deep run: 100 hops from its model to its source
DEEP_RUN_FRACTION = 0.03
SHORT_STEPS = (4, 24)
SOURCES_PER_PIPELINE = 6
SHARED_PER_PIPELINE = 3
GLOBAL_SHARED = 5
EXECUTIONS_PER_PIPELINE = 2_000
BASE_TIME_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
RUN_SPACING_MS = 90_000
STEP_SPACING_MS = 7_000

# ----------------------------------------------------------------------------- the type system
# name -> (base type, {property: kind}); kinds: 1 INT, 2 DOUBLE, 3 STRING (MLMD PropertyType)
ARTIFACT_TYPES: dict[str, tuple[str | None, dict[str, int]]] = {
    "Dataset": ("DATASET", {"span": 1, "version": 1, "fingerprint": 3, "size_bytes": 1}),
    "Examples": ("DATASET", {"span": 1, "version": 1, "split_names": 3}),
    "ExampleStatistics": ("STATISTICS", {"span": 1, "split_names": 3}),
    "Schema": (None, {"version": 1}),
    "ExampleAnomalies": (None, {"span": 1, "split_names": 3}),
    "TransformGraph": (None, {"version": 1}),
    "HyperParameters": (None, {"learning_rate": 2, "batch_size": 1}),
    "Checkpoint": ("MODEL", {"step": 1, "loss": 2}),
    "Model": ("MODEL", {"version": 1, "learning_rate": 2, "framework": 3}),
    "ModelEvaluation": ("METRICS", {"accuracy": 2, "auc": 2, "slice": 3}),
    "ModelBlessing": (None, {"blessed": 1}),
    "PushedModel": (None, {"pushed": 1, "pushed_destination": 3}),
}
EXECUTION_TYPES: dict[str, tuple[str | None, dict[str, int]]] = {
    "ExampleGen": ("PROCESS", {"input_base": 3, "span": 1}),
    "StatisticsGen": ("PROCESS", {"component_id": 3}),
    "SchemaGen": ("PROCESS", {"component_id": 3, "infer_shape": 1}),
    "ExampleValidator": ("EVALUATE", {"component_id": 3}),
    "Transform": ("TRANSFORM", {"component_id": 3, "module_file": 3}),
    "Tuner": ("TRAIN", {"component_id": 3, "num_trials": 1}),
    "TrainStep": ("TRAIN", {"step": 1, "learning_rate": 2}),
    "Trainer": ("TRAIN", {"component_id": 3, "train_steps": 1, "learning_rate": 2}),
    "Evaluator": ("EVALUATE", {"component_id": 3, "threshold": 2}),
    "Pusher": ("DEPLOY", {"component_id": 3, "destination": 3}),
}
CONTEXT_TYPES: dict[str, dict[str, int]] = {
    "pipeline": {"pipeline_root": 3},
    "pipeline_run": {"run_id": 3, "start_time_ms": 1},
}
# What each execution type writes (cycled through for its 1-3 outputs).
OUTPUTS: dict[str, tuple[str, ...]] = {
    "ExampleGen": ("Examples", "ExampleStatistics", "Examples"),
    "StatisticsGen": ("ExampleStatistics", "ExampleAnomalies", "Schema"),
    "SchemaGen": ("Schema", "ExampleAnomalies", "Schema"),
    "ExampleValidator": ("ExampleAnomalies", "ExampleStatistics", "ExampleAnomalies"),
    "Transform": ("Examples", "TransformGraph", "ExampleStatistics"),
    "Tuner": ("HyperParameters", "ModelEvaluation", "HyperParameters"),
    "TrainStep": ("Checkpoint", "ModelEvaluation", "Checkpoint"),
    "Trainer": ("Model", "ModelEvaluation", "Checkpoint"),
    "Evaluator": ("ModelEvaluation", "ModelBlessing", "ModelEvaluation"),
    "Pusher": ("PushedModel", "ModelBlessing", "PushedModel"),
}
MIDDLE_STEPS = ("StatisticsGen", "SchemaGen", "ExampleValidator", "Transform", "Tuner", "TrainStep")
MIDDLE_WEIGHTS = (2, 1, 1, 2, 1, 3)
FINAL_STEPS = ("Trainer", "Evaluator", "Pusher")
INPUT, OUTPUT = 3, 4  # Event.Type
LIVE, MARKED_FOR_DELETION, DELETED = 2, 3, 4  # Artifact.State
COMPLETE, FAILED, CACHED = 3, 4, 5  # Execution.State


# ----------------------------------------------------------------------------- the generator
Ref = tuple[int, int]  # (step index, output index) inside a run; step -1: a root (index)


@dataclass
class StepSpec:
    """One execution of a run: its type, state, inputs and the artifact types it writes."""

    type: str
    state: int
    inputs: list[Ref]
    outputs: list[str]
    props: dict[str, Any]
    output_props: list[dict[str, Any]]


@dataclass
class RunSpec:
    """One pipeline run: its steps in the order they ran."""

    index: int
    pipeline: int
    run_in_pipeline: int
    deep: bool
    steps: list[StepSpec]
    start_ms: int

    @property
    def name(self) -> str:
        return f"p{self.pipeline:04d}-run{self.run_in_pipeline:05d}"


@dataclass
class Roots:
    """The root datasets: per-pipeline sources and shared data, and global shared data."""

    sources: list[list[int]]  # pipeline -> root indexes
    shared: list[list[int]]
    global_shared: list[int]
    props: list[dict[str, Any]]
    names: list[str]
    pipeline_of: list[int | None]


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (k**s) for k in range(1, n + 1)]


def plan_roots(n_pipelines: int, rng: random.Random) -> Roots:
    """The root datasets (drawn before any run, from the same generator)."""
    props: list[dict[str, Any]] = []
    names: list[str] = []
    pipeline_of: list[int | None] = []

    def add(name: str, pipeline: int | None) -> int:
        props.append(
            {
                "span": rng.randint(1, 400),
                "version": rng.randint(1, 9),
                "fingerprint": f"sha256:{rng.getrandbits(128):032x}",
                "size_bytes": rng.randint(10_000, 50_000_000_000),
            }
        )
        names.append(name)
        pipeline_of.append(pipeline)
        return len(names) - 1

    sources = [
        [add(f"p{p:04d}-source{k}", p) for k in range(SOURCES_PER_PIPELINE)]
        for p in range(n_pipelines)
    ]
    shared = [
        [add(f"p{p:04d}-shared{k}", p) for k in range(SHARED_PER_PIPELINE)]
        for p in range(n_pipelines)
    ]
    global_shared = [add(f"global-reference{k}", None) for k in range(GLOBAL_SHARED)]
    return Roots(sources, shared, global_shared, props, names, pipeline_of)


def n_pipelines_for(n_executions: int) -> int:
    return max(4, round(n_executions / EXECUTIONS_PER_PIPELINE))


def _step_props(rng: random.Random, kind: str, step: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, ptype in EXECUTION_TYPES[kind][1].items():
        if name == "step":
            out[name] = step
        elif ptype == 1:
            out[name] = rng.randint(1, 10_000)
        elif ptype == 2:
            out[name] = round(rng.uniform(1e-4, 1.0), 6)
        else:
            out[name] = f"{kind.lower()}-{rng.randint(0, 99)}"
    return out


def _artifact_props(rng: random.Random, kind: str, step: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, ptype in ARTIFACT_TYPES[kind][1].items():
        if name == "step":
            out[name] = step * 1000
        elif ptype == 1:
            out[name] = rng.randint(0, 1_000_000)
        elif ptype == 2:
            out[name] = rng.random()
        elif name == "split_names":
            out[name] = '["train", "eval"]'
        else:
            out[name] = f"{name}-{rng.randint(0, 999)}"
    return out


def _generate_run(
    rng: random.Random, index: int, pipeline: int, run_in_pipeline: int, roots: Roots, deep: bool
) -> RunSpec:
    length = DEEP_STEPS if deep else rng.randint(*SHORT_STEPS)
    failed = not deep and rng.random() < 0.02
    steps: list[StepSpec] = []
    source_weights = _zipf_weights(len(roots.sources[pipeline]))
    for i in range(length):
        if i == 0:
            kind = "ExampleGen"
        elif i == length - 1:
            kind = "Trainer" if deep else rng.choice(FINAL_STEPS)
        elif deep:
            kind = "TrainStep"
        else:
            kind = rng.choices(MIDDLE_STEPS, MIDDLE_WEIGHTS)[0]
        inputs: list[Ref] = []
        if i == 0:
            inputs.append((-1, rng.choices(roots.sources[pipeline], source_weights)[0]))
            if rng.random() < 0.3:
                inputs.append((-1, rng.choice(roots.shared[pipeline])))
        else:
            # The primary input: an output of the previous step (deep runs: always).
            back = 1 if deep or i < 2 or rng.random() < 0.75 else rng.randint(2, min(4, i))
            prev = steps[i - back]
            inputs.append((i - back, rng.randrange(len(prev.outputs))))
            if deep:
                if len(steps[i - 1].outputs) > 1 and rng.random() < 0.4:
                    other = (i - 1, rng.randrange(len(steps[i - 1].outputs)))
                    if other not in inputs:
                        inputs.append(other)
            else:
                for p in (0.7, 0.2):  # fan-in: outputs of earlier steps of this run
                    if rng.random() < p:
                        j = rng.randrange(i)
                        ref = (j, rng.randrange(len(steps[j].outputs)))
                        if ref not in inputs and steps[j].outputs:
                            inputs.append(ref)
            if len(inputs) < 3 and rng.random() < 0.2:
                ref = (-1, rng.choice(roots.shared[pipeline]))
                if ref not in inputs:
                    inputs.append(ref)
            if len(inputs) < 3 and rng.random() < 0.01:
                inputs.append((-1, rng.choice(roots.global_shared)))
        last = i == length - 1
        state = COMPLETE
        if failed and last:
            state = FAILED
        elif rng.random() < 0.04:
            state = CACHED
        if state == FAILED:
            outputs: list[str] = []
        else:
            n_out = 1 if deep and last else rng.choices((1, 2, 3), (3, 4, 3))[0]
            outputs = [OUTPUTS[kind][k % 3] for k in range(n_out)]
        steps.append(
            StepSpec(
                type=kind,
                state=state,
                inputs=inputs,
                outputs=outputs,
                props=_step_props(rng, kind, i),
                output_props=[_artifact_props(rng, t, i) for t in outputs],
            )
        )
    start = BASE_TIME_MS + index * RUN_SPACING_MS
    return RunSpec(index, pipeline, run_in_pipeline, deep, steps, start)


def generate_runs(n_executions: int, roots: Roots, rng: random.Random) -> Iterator[RunSpec]:
    """Runs until ``n_executions`` executions exist (the last run is cut to fit)."""
    n_pipelines = len(roots.sources)
    activity = [rng.uniform(0.3, 1.7) for _ in range(n_pipelines)]
    runs_of = [0] * n_pipelines
    made = 0
    index = 0
    first_deep_done = False
    while made < n_executions:
        pipeline = rng.choices(range(n_pipelines), activity)[0]
        left = n_executions - made
        deep = rng.random() < DEEP_RUN_FRACTION or (
            not first_deep_done and index >= 3 and left >= DEEP_STEPS
        )
        if deep and left < DEEP_STEPS:
            deep = False
        run = _generate_run(rng, index, pipeline, runs_of[pipeline], roots, deep)
        if len(run.steps) > left:
            run.steps = run.steps[:left]
            run.steps[-1].state = COMPLETE
        first_deep_done = first_deep_done or deep
        runs_of[pipeline] += 1
        made += len(run.steps)
        index += 1
        yield run


# ----------------------------------------------------------------------------- bookkeeping
@dataclass
class WorkloadInfo:
    """What was built, and the ids the lineage benchmark starts from."""

    n_executions: int
    seed: int
    dialect: str
    version: int
    url: str
    sqlite_path: str | None
    mysql_database: str | None
    counts: dict[str, int]
    n_pipelines: int
    n_runs: int
    n_deep_runs: int
    max_depth: int
    final_model_id: int
    final_model_depth: int
    root_dataset_id: int
    root_dataset_name: str
    root_downstream_executions: int
    root_downstream_artifacts: int
    build_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WorkloadInfo:
        return cls(**json.loads(text))


class _Tracker:
    """Streams statistics over the runs: depth, and each root's downstream size."""

    def __init__(self, n_roots: int) -> None:
        self.down_x = [0] * n_roots
        self.down_a = [0] * n_roots
        self.deep_reach = [0] * n_roots  # the deepest downstream execution (chain length)
        self.max_depth = 0
        self.n_runs = 0
        self.n_deep = 0

    def add(self, run: RunSpec) -> int:
        """Record a run; return its depth (longest chain of executions)."""
        depth: list[int] = []
        readers: dict[int, list[int]] = {}
        for i, step in enumerate(run.steps):
            d = 1
            for j, _ in step.inputs:
                if j >= 0:
                    d = max(d, depth[j] + 1)
            depth.append(d)
            for j, k in step.inputs:
                if j < 0:
                    readers.setdefault(k, []).append(i)
        # Downstream of each root inside this run (steps are in topological order): the
        # distance of each step from the root, counted in executions (0: not reached).
        for root, first_readers in readers.items():
            direct = set(first_readers)
            dist = [0] * len(run.steps)
            for i, step in enumerate(run.steps):
                best = 1 if i in direct else 0
                for j, _ in step.inputs:
                    if j >= 0 and dist[j] and (best == 0 or dist[j] + 1 < best):
                        best = dist[j] + 1
                dist[i] = best
            self.down_x[root] += sum(1 for d in dist if d)
            self.down_a[root] += sum(
                len(s.outputs) for s, d in zip(run.steps, dist, strict=True) if d
            )
            self.deep_reach[root] = max(self.deep_reach[root], max(dist))
        run_depth = max(depth) if depth else 0
        self.max_depth = max(self.max_depth, run_depth)
        self.n_runs += 1
        self.n_deep += run.deep
        return run_depth


# ----------------------------------------------------------------------------- writing
def _proto() -> Any:
    from lineage.proto import metadata_store_pb2

    return metadata_store_pb2


def _set_props(message: Any, values: dict[str, Any], custom: bool = False) -> None:
    target = message.custom_properties if custom else message.properties
    for name, value in values.items():
        if isinstance(value, bool):
            target[name].bool_value = value
        elif isinstance(value, int):
            target[name].int_value = value
        elif isinstance(value, float):
            target[name].double_value = value
        else:
            target[name].string_value = str(value)


@dataclass
class _Types:
    artifact: dict[str, int]
    execution: dict[str, int]
    context: dict[str, int]


def _put_types(store: Any) -> _Types:
    pb = _proto()
    out = _Types({}, {}, {})
    for name, (base, props) in ARTIFACT_TYPES.items():
        t = pb.ArtifactType(name=name)
        if base:
            t.base_type = pb.ArtifactType.SystemDefinedBaseType.Value(base)
        for p, kind in props.items():
            t.properties[p] = kind
        out.artifact[name] = store.put_artifact_type(t)
    for name, (base, props) in EXECUTION_TYPES.items():
        t = pb.ExecutionType(name=name)
        if base:
            t.base_type = pb.ExecutionType.SystemDefinedBaseType.Value(base)
        for p, kind in props.items():
            t.properties[p] = kind
        out.execution[name] = store.put_execution_type(t)
    for name, props in CONTEXT_TYPES.items():
        t = pb.ContextType(name=name)
        for p, kind in props.items():
            t.properties[p] = kind
        out.context[name] = store.put_context_type(t)
    return out


class _Writer:
    """Buffers runs and writes them in batches through the store's batch methods."""

    def __init__(
        self,
        store: Any,
        types: _Types,
        root_ids: list[int],
        pipeline_ctx: list[int],
        batch_executions: int,
    ) -> None:
        self.store = store
        self.types = types
        self.root_ids = root_ids
        self.pipeline_ctx = pipeline_ctx
        self.batch_executions = batch_executions
        self.pending: list[RunSpec] = []
        self.pending_x = 0
        self.watch: dict[tuple[int, int, int], int] = {}  # (run, step, output) -> artifact id
        self.watched: set[tuple[int, int, int]] = set()

    def add(self, run: RunSpec) -> None:
        self.pending.append(run)
        self.pending_x += len(run.steps)
        if self.pending_x >= self.batch_executions:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        pb = _proto()
        store, types = self.store, self.types
        runs, self.pending, self.pending_x = self.pending, [], 0
        run_ctx = []
        for run in runs:
            c = pb.Context(type_id=types.context["pipeline_run"], name=run.name)
            _set_props(c, {"run_id": run.name, "start_time_ms": run.start_ms})
            run_ctx.append(c)
        run_ctx_ids = store.put_contexts(run_ctx)
        store.put_parent_contexts(
            [
                pb.ParentContext(child_id=cid, parent_id=self.pipeline_ctx[run.pipeline])
                for run, cid in zip(runs, run_ctx_ids, strict=True)
            ]
        )
        artifacts = []
        executions = []
        for run in runs:
            for i, step in enumerate(run.steps):
                x = pb.Execution(
                    type_id=types.execution[step.type],
                    name=f"{run.name}-s{i:02d}-{step.type}",
                    last_known_state=step.state,
                )
                _set_props(x, step.props)
                _set_props(
                    x,
                    {"tfx_version": "1.15.1", "retries": 0 if step.state != FAILED else 3},
                    custom=True,
                )
                executions.append(x)
                for k, (atype, props) in enumerate(
                    zip(step.outputs, step.output_props, strict=True)
                ):
                    a = pb.Artifact(
                        type_id=types.artifact[atype],
                        name=f"{run.name}-s{i:02d}-{atype}-{k}",
                        uri=f"gs://bench-pipelines/p{run.pipeline:04d}/{run.name}/s{i:02d}/{atype}/{k}",
                        state=LIVE if run.index % 97 else MARKED_FOR_DELETION,
                    )
                    _set_props(a, props)
                    _set_props(a, {"tfx_version": "1.15.1", "is_external": 0}, custom=True)
                    artifacts.append(a)
        artifact_ids = iter(store.put_artifacts(artifacts))
        execution_ids = iter(store.put_executions(executions))
        events = []
        attributions = []
        associations = []
        for run, cid in zip(runs, run_ctx_ids, strict=True):
            pid = self.pipeline_ctx[run.pipeline]
            out_ids: list[list[int]] = []
            for i, step in enumerate(run.steps):
                xid = next(execution_ids)
                step_out = [next(artifact_ids) for _ in step.outputs]
                out_ids.append(step_out)
                for k in range(len(step_out)):
                    if (run.index, i, k) in self.watched:
                        self.watch[(run.index, i, k)] = step_out[k]
                t_ms = run.start_ms + i * STEP_SPACING_MS
                for n, (j, k) in enumerate(step.inputs):
                    aid = self.root_ids[k] if j < 0 else out_ids[j][k]
                    e = pb.Event(
                        artifact_id=aid, execution_id=xid, type=INPUT, milliseconds_since_epoch=t_ms
                    )
                    e.path.steps.add().key = "examples" if n == 0 else f"input_{n}"
                    e.path.steps.add().index = 0
                    events.append(e)
                for k, aid in enumerate(step_out):
                    e = pb.Event(
                        artifact_id=aid,
                        execution_id=xid,
                        type=OUTPUT,
                        milliseconds_since_epoch=t_ms + STEP_SPACING_MS // 2,
                    )
                    e.path.steps.add().key = step.outputs[k].lower()
                    e.path.steps.add().index = k
                    events.append(e)
                    attributions.append(pb.Attribution(context_id=cid, artifact_id=aid))
                    attributions.append(pb.Attribution(context_id=pid, artifact_id=aid))
                associations.append(pb.Association(context_id=cid, execution_id=xid))
                associations.append(pb.Association(context_id=pid, execution_id=xid))
        for start in range(0, len(events), 20_000):
            store.put_events(events[start : start + 20_000])
        store.put_attributions_and_associations(attributions, associations)


# ----------------------------------------------------------------------------- caching
def workload_key(n_executions: int, seed: int) -> str:
    return f"n{n_executions}-s{seed}-v{VERSION}"


def mysql_database_name(n_executions: int, seed: int) -> str:
    return f"lineage_bench_n{n_executions}_s{seed}_v{VERSION}"


def _mysql_url(base_url: str, database: str) -> str:
    import sqlalchemy as sa

    url = sa.make_url(base_url).set(database=database)
    return url.render_as_string(hide_password=False)


def _drop_mysql_database(base_url: str, database: str) -> None:
    import sqlalchemy as sa

    if not database.startswith("lineage_bench_"):
        raise ValueError(f"refusing to drop {database!r}: not a benchmark database")
    admin = sa.create_engine(
        sa.make_url(base_url)._replace(database=None),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}`")
    admin.dispose()


def _mysql_database_exists(base_url: str, database: str) -> bool:
    import sqlalchemy as sa

    admin = sa.create_engine(
        sa.make_url(base_url)._replace(database=None), poolclass=sa.pool.NullPool
    )
    try:
        with admin.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %(n)s",
                {"n": database},
            ).first()
            return row is not None
    finally:
        admin.dispose()


def _cached(info_path: Path, check: Callable[[WorkloadInfo], bool]) -> WorkloadInfo | None:
    if not info_path.exists():
        return None
    try:
        info = WorkloadInfo.from_json(info_path.read_text())
    except (ValueError, TypeError):
        return None
    return info if check(info) else None


def build_workload(
    n_executions: int,
    seed: int = 1,
    dialect: str = "sqlite",
    *,
    mysql_url: str | None = None,
    cache_dir: Path = CACHE_DIR,
    rebuild: bool = False,
    batch_executions: int = 5_000,
    log: Callable[[str], None] | None = None,
) -> WorkloadInfo:
    """Build (or reuse from the cache) the workload database and describe it.

    Args:
        n_executions: N, the number of executions.
        seed: The generator's seed.
        dialect: 'sqlite' (a file under ``cache_dir``) or 'mysql' (a database
            ``lineage_bench_...`` on the server of ``mysql_url``).
        mysql_url: The MariaDB/MySQL server (default ``$LINEAGE_TEST_MYSQL_URL`` or
            :data:`DEFAULT_MYSQL_URL`); its database part is replaced.
        cache_dir: Where SQLite files and the JSON records live.
        rebuild: Build even when a cached copy exists.
        batch_executions: Executions written per batch of store calls.
        log: Progress messages go here (default: stderr).
    """
    say = log or (lambda m: print(m, file=sys.stderr, flush=True))
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = workload_key(n_executions, seed)
    base_url = mysql_url or os.environ.get("LINEAGE_TEST_MYSQL_URL", DEFAULT_MYSQL_URL)
    if dialect == "sqlite":
        path = cache_dir / f"lineage-{key}.db"
        info_path = cache_dir / f"lineage-{key}.sqlite.json"
        url = f"sqlite:///{path}"
        database = None

        def valid(info: WorkloadInfo) -> bool:
            return path.exists() and path.stat().st_size > 0

    elif dialect == "mysql":
        path = None
        database = mysql_database_name(n_executions, seed)
        info_path = cache_dir / f"lineage-{key}.mysql.json"
        url = _mysql_url(base_url, database)

        def valid(info: WorkloadInfo) -> bool:
            return info.url == url and _mysql_database_exists(base_url, database or "")

    else:
        raise ValueError(f"dialect must be 'sqlite' or 'mysql', got {dialect!r}")
    if not rebuild:
        found = _cached(info_path, valid)
        if found is not None:
            return found
    # Start from nothing: a half-built database is never reused (the record is written last).
    with contextlib.suppress(FileNotFoundError):
        info_path.unlink()
    if path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(path) + suffix).unlink()
    else:
        _drop_mysql_database(base_url, database or "")
    say(f"building workload {key} on {dialect} ({url}) ...")
    started = time.perf_counter()
    info = _build(url, n_executions, seed, dialect, say, batch_executions)
    info.build_seconds = round(time.perf_counter() - started, 1)
    if path is None:
        # InnoDB refreshes its index statistics in the background some time after a bulk
        # load. Once, right after rebuilding, the recursive lineage walk ran 100x slower until
        # ANALYZE (not reproduced on a second fresh build): measure the steady state.
        _analyze_mysql(url)
    info.sqlite_path = str(path) if path is not None else None
    info.mysql_database = database
    info_path.write_text(info.to_json())
    say(f"built {key} on {dialect} in {info.build_seconds:.1f} s: {info.counts}")
    return info


def _analyze_mysql(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql("SHOW TABLES")]
            conn.exec_driver_sql("ANALYZE TABLE " + ", ".join(f"`{n}`" for n in names)).all()
    finally:
        engine.dispose()


def _build(
    url: str,
    n_executions: int,
    seed: int,
    dialect: str,
    say: Callable[[str], None],
    batch_executions: int,
) -> WorkloadInfo:
    import lineage

    pb = _proto()
    rng = random.Random(seed)
    n_pipelines = n_pipelines_for(n_executions)
    roots = plan_roots(n_pipelines, rng)
    store = lineage.MetadataStore(url)
    try:
        types = _put_types(store)
        pipeline_ctx = []
        contexts = []
        for p in range(n_pipelines):
            c = pb.Context(type_id=types.context["pipeline"], name=f"pipeline-{p:04d}")
            _set_props(c, {"pipeline_root": f"gs://bench-pipelines/p{p:04d}"})
            contexts.append(c)
        pipeline_ctx = store.put_contexts(contexts)
        root_messages = []
        for name, props in zip(roots.names, roots.props, strict=True):
            a = pb.Artifact(
                type_id=types.artifact["Dataset"],
                name=name,
                uri=f"gs://bench-data/{name}",
                state=LIVE,
            )
            _set_props(a, props)
            _set_props(a, {"is_external": 1}, custom=True)
            root_messages.append(a)
        root_ids = store.put_artifacts(root_messages)
        store.put_attributions_and_associations(
            [
                pb.Attribution(context_id=pipeline_ctx[p], artifact_id=aid)
                for aid, p in zip(root_ids, roots.pipeline_of, strict=True)
                if p is not None
            ],
            [],
        )
        writer = _Writer(store, types, root_ids, pipeline_ctx, batch_executions)
        tracker = _Tracker(len(root_ids))
        final: tuple[int, int, int] | None = None
        final_depth = 0
        next_report = time.perf_counter() + 10
        made = 0
        for run in generate_runs(n_executions, roots, rng):
            depth = tracker.add(run)
            if final is None and run.deep and len(run.steps) == DEEP_STEPS:
                final = (run.index, len(run.steps) - 1, 0)
                final_depth = depth
                writer.watched.add(final)
            writer.add(run)
            made += len(run.steps)
            if time.perf_counter() > next_report:
                say(f"  {made:,} / {n_executions:,} executions")
                next_report = time.perf_counter() + 10
        writer.flush()
        if final is None:
            raise RuntimeError(f"N={n_executions} is too small for a {DEEP_STEPS}-step run")
        final_model_id = writer.watch[final]
        # The root dataset with the largest downstream that reaches full depth.
        best = max(
            range(len(root_ids)),
            key=lambda r: (tracker.deep_reach[r] >= DEEP_STEPS, tracker.down_x[r], -r),
        )
        counts = store.counts()
        contexts_total = counts["contexts"]
    finally:
        store.close()
    return WorkloadInfo(
        n_executions=n_executions,
        seed=seed,
        dialect=dialect,
        version=VERSION,
        url=url,
        sqlite_path=None,
        mysql_database=None,
        counts=counts,
        n_pipelines=n_pipelines,
        n_runs=tracker.n_runs,
        n_deep_runs=tracker.n_deep,
        max_depth=tracker.max_depth,
        final_model_id=final_model_id,
        final_model_depth=final_depth,
        root_dataset_id=root_ids[best],
        root_dataset_name=roots.names[best],
        root_downstream_executions=tracker.down_x[best],
        root_downstream_artifacts=tracker.down_a[best],
        build_seconds=0.0,
        extra={
            "contexts": contexts_total,
            "root_downstream_max_chain": tracker.deep_reach[best],
            "hops_upstream_from_final_model": 2 * final_depth,
            "hops_downstream_from_root": 2 * tracker.deep_reach[best],
        },
    )


def main(argv: list[str] | None = None) -> int:
    """``python bench/workload.py N [--seed S] [--dialect sqlite|mysql] [--rebuild]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dialect", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    info = build_workload(args.n, args.seed, args.dialect, rebuild=args.rebuild)
    print(info.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
