"""A seeded, Kubeflow-Pipelines-shaped MLMD store for the server benchmark (``server_bench.py``).

What KFP v2's driver and launcher leave in MLMD (backend/src/v2/metadata/client.go):

* ``system.Pipeline`` contexts (one per pipeline, custom property ``pipeline_root``) and a
  ``system.PipelineRun`` context per run (``pipeline_root``, ``namespace``, ``resource_name``),
  the child of its pipeline context.
* Per run a root ``system.DAGExecution``; the run's tasks are ``system.ContainerExecution`` with
  ``parent_dag_id`` (the id of the DAG they run in), ``display_name``, ``task_name``,
  ``pod_name``, ``pod_uid``, ``namespace``, ``image``, ``cache_fingerprint`` and ``inputs`` (a
  struct of parameter values). One run in ten also has a sub-DAG (a ``ParallelFor``) with 3
  tasks of its own.
* Each task writes 1-2 output artifacts (``system.Dataset``, ``system.Model``,
  ``system.Metrics``, ``system.Artifact``: ``uri`` under ``minio://mlpipeline/v2/artifacts``,
  ``display_name``) with an OUTPUT event whose path is the output's name, and reads 1-2 outputs
  of earlier tasks of its run (INPUT events). Every execution is associated with, and every
  artifact attributed to, both its run and its pipeline context.

Runs of the pipelines interleave. The database is written through lineage's batch calls
(``put_contexts``, ``put_parent_contexts``, ``put_executions``, ``put_artifacts``,
``put_events``, ``put_attributions_and_associations``) a few hundred runs at a time, and cached:
a SQLite file under ``bench/.cache/server/`` or a MariaDB database ``lineage_sbench_...``, with a
JSON record beside it; the record is written last, and a marker context (the last writer run)
is checked, so a half-built database is never reused.

Besides the N executions, :data:`WRITER_RUNS` extra runs (pipeline ``sbench-writer``, a root DAG
each, no tasks) are the targets of the benchmark's ``PutExecution`` calls, so writes never
change what the read calls return.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIR", "StoreInfo", "build_store", "drop_mysql_database", "mlmd_config"]

VERSION = 1
CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "server"
PIPELINES = 50
TASKS = (7, 11)  # container tasks of a run's root DAG (inclusive)
SUBDAG_EVERY = 10  # one run in ten has a sub-DAG with SUBDAG_TASKS tasks
SUBDAG_TASKS = 3
WRITER_RUNS = 64
SAMPLES = 4_000
BATCH_RUNS = 400
BASE_MS = 1_735_689_600_000  # 2025-01-01

OUTPUT_TYPES = ("system.Dataset", "system.Dataset", "system.Model", "system.Metrics")
ARTIFACT_TYPES = ("system.Artifact", "system.Dataset", "system.Model", "system.Metrics")
EXECUTION_TYPES = ("system.DAGExecution", "system.ContainerExecution")
CONTEXT_TYPES = ("system.Pipeline", "system.PipelineRun")
IMAGES = ("python:3.11", "gcr.io/ml-pipeline/trainer:2.3", "tensorflow/tensorflow:2.15.0")
INPUT, OUTPUT = 3, 4  # Event.Type
LIVE = 2  # Artifact.State
RUNNING, COMPLETE, CACHED = 2, 3, 5  # Execution.State


@dataclass
class StoreInfo:
    """What was built, and the ids the benchmark's requests use."""

    n_executions: int
    seed: int
    dialect: str
    version: int
    url: str  # lineage's URL of the database
    sqlite_path: str | None
    mysql: dict[str, Any] | None  # host, port, user, database (ml-metadata's ConnectionConfig)
    counts: dict[str, int]
    n_runs: int
    build_seconds: float
    artifact_ids: list[int] = field(default_factory=list)  # a seeded sample
    runs: list[tuple[int, int]] = field(default_factory=list)  # (run context id, DAG id) sample
    writers: list[dict[str, int]] = field(default_factory=list)  # pipeline/run ctx, DAG, types
    types: dict[str, int] = field(default_factory=dict)


def _pb() -> Any:
    from lineage.proto import metadata_store_pb2

    return metadata_store_pb2


def _custom(message: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        slot = message.custom_properties[name]
        if isinstance(value, dict):
            slot.struct_value.update(value)
        elif isinstance(value, int):
            slot.int_value = value
        elif isinstance(value, float):
            slot.double_value = value
        else:
            slot.string_value = value


class _Sample:
    """A seeded reservoir sample."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size, self.rng, self.seen = size, rng, 0
        self.items: list[Any] = []

    def add(self, item: Any) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            j = self.rng.randrange(self.seen)
            if j < self.size:
                self.items[j] = item


@dataclass
class _Task:
    name: str
    dag: int  # index of the DAG it runs in (0: root, 1: sub-DAG)
    outputs: list[tuple[str, str]]  # (artifact type, output name)
    inputs: list[tuple[int, int]]  # (earlier task index, output index)
    state: int
    props: dict[str, Any]


@dataclass
class _Run:
    index: int
    pipeline: int
    name: str
    subdag: bool
    tasks: list[_Task]

    @property
    def executions(self) -> int:
        return 1 + self.subdag + len(self.tasks)


def _plan_run(index: int, rng: random.Random) -> _Run:
    pipeline = rng.randrange(PIPELINES)
    name = f"run-{rng.getrandbits(64):016x}"
    subdag = index % SUBDAG_EVERY == SUBDAG_EVERY // 2
    n_tasks = rng.randint(*TASKS)
    tasks: list[_Task] = []
    for t in range(n_tasks + (SUBDAG_TASKS if subdag else 0)):
        dag = 1 if t >= n_tasks else 0
        outputs = [
            (rng.choice(OUTPUT_TYPES), f"output_{k}") for k in range(1 if rng.random() < 0.7 else 2)
        ]
        inputs = []
        if t:
            for _ in range(rng.choice((1, 1, 2))):
                j = rng.randrange(max(0, t - 4), t)
                ref = (j, rng.randrange(len(tasks[j].outputs)))
                if ref not in inputs:
                    inputs.append(ref)
        task_name = f"step-{t}" if not dag else f"for-loop-1-step-{t - n_tasks}"
        props = {
            "display_name": task_name,
            "task_name": task_name,
            "pod_name": f"{name}-{rng.getrandbits(32):08x}",
            "pod_uid": f"{rng.getrandbits(128):032x}",
            "namespace": "kubeflow",
            "image": rng.choice(IMAGES),
            "cache_fingerprint": f"{rng.getrandbits(128):032x}",
            "inputs": {"learning_rate": round(rng.uniform(0.001, 0.1), 4), "epochs": 10},
        }
        state = CACHED if rng.random() < 0.1 else COMPLETE
        tasks.append(_Task(task_name, dag, outputs, inputs, state, props))
    return _Run(index, pipeline, name, subdag, tasks)


def _put_types(store: Any) -> dict[str, int]:
    pb = _pb()
    ids = {}
    for name in ARTIFACT_TYPES:
        ids[name] = store.put_artifact_type(pb.ArtifactType(name=name))
    for name in EXECUTION_TYPES:
        ids[name] = store.put_execution_type(pb.ExecutionType(name=name))
    for name in CONTEXT_TYPES:
        ids[name] = store.put_context_type(pb.ContextType(name=name))
    return ids


def _context(types: dict[str, int], kind: str, name: str, props: dict[str, Any]) -> Any:
    c = _pb().Context(type_id=types[kind], name=name)
    _custom(c, props)
    return c


def _write_runs(
    store: Any,
    types: dict[str, int],
    pipeline_ids: list[int],
    runs: list[_Run],
    samples: dict[str, _Sample],
    run_no: int,
) -> None:
    """One batch of runs through lineage's batch writes."""
    pb = _pb()
    ctx_ids = store.put_contexts(
        [
            _context(
                types,
                "system.PipelineRun",
                run.name,
                {
                    "pipeline_root": f"minio://mlpipeline/v2/artifacts/pipeline-{run.pipeline:02d}",
                    "namespace": "kubeflow",
                    "resource_name": run.name,
                },
            )
            for run in runs
        ]
    )
    store.put_parent_contexts(
        [
            pb.ParentContext(child_id=cid, parent_id=pipeline_ids[run.pipeline])
            for run, cid in zip(runs, ctx_ids, strict=True)
        ]
    )

    def dag(run: _Run, name: str, parent: int | None, total: int) -> Any:
        x = pb.Execution(type_id=types["system.DAGExecution"], last_known_state=COMPLETE)
        props: dict[str, Any] = {"display_name": name, "task_name": name, "total_dag_tasks": total}
        if parent is not None:
            props["parent_dag_id"] = parent
        _custom(x, props)
        return x

    root_ids = store.put_executions(
        [dag(run, run.name, None, sum(t.dag == 0 for t in run.tasks)) for run in runs]
    )
    with_sub = [(i, run) for i, run in enumerate(runs) if run.subdag]
    sub_ids = store.put_executions(
        [dag(run, "for-loop-1", root_ids[i], SUBDAG_TASKS) for i, run in with_sub]
    )
    sub_of = {i: sid for (i, _), sid in zip(with_sub, sub_ids, strict=True)}
    executions, artifacts = [], []
    for i, run in enumerate(runs):
        for task in run.tasks:
            x = pb.Execution(
                type_id=types["system.ContainerExecution"], last_known_state=task.state
            )
            _custom(x, {**task.props, "parent_dag_id": sub_of[i] if task.dag else root_ids[i]})
            executions.append(x)
            for atype, out in task.outputs:
                a = pb.Artifact(
                    type_id=types[atype],
                    uri=f"minio://mlpipeline/v2/artifacts/pipeline-{run.pipeline:02d}/"
                    f"{run.name}/{task.name}/{out}",
                    state=LIVE,
                )
                extra: dict[str, Any] = {"display_name": out}
                if atype == "system.Metrics":
                    extra["accuracy"] = 0.9
                _custom(a, extra)
                artifacts.append(a)
    task_ids = iter(store.put_executions(executions))
    artifact_ids = iter(store.put_artifacts(artifacts))
    events, attributions, associations = [], [], []
    for i, (run, cid) in enumerate(zip(runs, ctx_ids, strict=True)):
        pid = pipeline_ids[run.pipeline]
        samples["runs"].add((cid, root_ids[i]))
        for xid in [root_ids[i], *([sub_of[i]] if i in sub_of else [])]:
            associations += [pb.Association(context_id=c, execution_id=xid) for c in (cid, pid)]
        outs: list[list[int]] = []
        for t, task in enumerate(run.tasks):
            xid = next(task_ids)
            associations += [pb.Association(context_id=c, execution_id=xid) for c in (cid, pid)]
            t_ms = BASE_MS + (run_no + i) * 60_000 + t * 5_000
            for n, (j, k) in enumerate(task.inputs):
                e = pb.Event(
                    artifact_id=outs[j][k],
                    execution_id=xid,
                    type=INPUT,
                    milliseconds_since_epoch=t_ms,
                )
                e.path.steps.add().key = f"input_{n}"
                events.append(e)
            mine = []
            for _, out in task.outputs:
                aid = next(artifact_ids)
                mine.append(aid)
                samples["artifacts"].add(aid)
                e = pb.Event(
                    artifact_id=aid, execution_id=xid, type=OUTPUT, milliseconds_since_epoch=t_ms
                )
                e.path.steps.add().key = out
                events.append(e)
                attributions += [pb.Attribution(context_id=c, artifact_id=aid) for c in (cid, pid)]
            outs.append(mine)
    for start in range(0, len(events), 20_000):
        store.put_events(events[start : start + 20_000])
    store.put_attributions_and_associations(attributions, associations)


def _build(info: StoreInfo, say: Callable[[str], None]) -> None:
    import lineage

    rng = random.Random(info.seed)
    samples = {"artifacts": _Sample(SAMPLES, rng), "runs": _Sample(SAMPLES // 2, rng)}
    store = lineage.MetadataStore(info.url)
    try:
        types = _put_types(store)
        pipelines = [
            _context(
                types,
                "system.Pipeline",
                f"pipeline-{p:02d}",
                {"pipeline_root": f"minio://mlpipeline/v2/artifacts/pipeline-{p:02d}"},
            )
            for p in range(PIPELINES)
        ]
        pipeline_ids = store.put_contexts(pipelines)
        made = runs_made = 0
        batch: list[_Run] = []
        next_report = time.perf_counter() + 10
        while made < info.n_executions:
            run = _plan_run(runs_made, rng)
            batch.append(run)
            made += run.executions
            runs_made += 1
            if len(batch) >= BATCH_RUNS:
                _write_runs(store, types, pipeline_ids, batch, samples, runs_made)
                batch = []
            if time.perf_counter() > next_report:
                say(f"  {made:,} / {info.n_executions:,} executions")
                next_report = time.perf_counter() + 10
        if batch:
            _write_runs(store, types, pipeline_ids, batch, samples, runs_made)
        info.n_runs = runs_made
        info.artifact_ids = sorted(samples["artifacts"].items)
        info.runs = sorted(samples["runs"].items)
        # The writers' runs (the marker is the last of them: written last).
        pb = _pb()
        writer_pipeline = store.put_contexts(
            [_context(types, "system.Pipeline", "sbench-writer", {"pipeline_root": "minio://w"})]
        )[0]
        for w in range(WRITER_RUNS):
            run_ctx = _context(
                types, "system.PipelineRun", f"sbench-writer-{w:02d}", {"namespace": "kubeflow"}
            )
            root = pb.Execution(type_id=types["system.DAGExecution"], last_known_state=RUNNING)
            _custom(root, {"display_name": f"sbench-writer-{w:02d}", "task_name": "root"})
            x_ids, _, c_ids = store.put_lineage_subgraph(
                [root], [], [store.get_contexts_by_id([writer_pipeline])[0], run_ctx], []
            )
            if w == 0:
                store.put_parent_contexts(
                    [pb.ParentContext(child_id=c_ids[1], parent_id=writer_pipeline)]
                )
            info.writers.append(
                {"pipeline_context": c_ids[0], "run_context": c_ids[1], "dag": x_ids[0]}
            )
        info.types = types
        info.counts = store.counts()
    finally:
        store.close()


def mlmd_config(info: StoreInfo) -> Any:
    """ml-metadata's ``ConnectionConfig`` of the database (ml-metadata's own proto class)."""
    from ml_metadata.proto import metadata_store_pb2 as mpb

    config = mpb.ConnectionConfig()
    if info.sqlite_path:
        config.sqlite.filename_uri = info.sqlite_path
        config.sqlite.connection_mode = mpb.SqliteMetadataSourceConfig.READWRITE
    else:
        assert info.mysql is not None
        m = info.mysql
        config.mysql.host, config.mysql.port = m["host"], int(m["port"])
        config.mysql.user, config.mysql.database = m["user"], m["database"]
        if m.get("password"):
            config.mysql.password = m["password"]
        config.mysql.skip_db_creation = True
    return config


def _mysql_admin(mysql: dict[str, Any]) -> Any:
    import MySQLdb

    return MySQLdb.connect(
        host=mysql["host"],
        port=int(mysql["port"]),
        user=mysql["user"],
        passwd=mysql.get("password") or "",
    )


def _mysql_exists(mysql: dict[str, Any]) -> bool:
    conn = _mysql_admin(mysql)
    try:
        cur = conn.cursor()
        cur.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (mysql["database"],)
        )
        return cur.fetchone() is not None
    finally:
        conn.close()


def drop_mysql_database(mysql: dict[str, Any]) -> None:
    name = mysql["database"]
    if not name.startswith("lineage_sbench"):
        raise ValueError(f"refusing to drop {name!r}: not a server-benchmark database")
    conn = _mysql_admin(mysql)
    try:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


def _marker_ok(info: StoreInfo) -> bool:
    """The last writer run exists: the build finished (the record is written after it)."""
    import lineage

    try:
        store = lineage.MetadataStore(info.url)
    except Exception:
        return False
    try:
        found = store.get_context_by_type_and_name(
            "system.PipelineRun", f"sbench-writer-{WRITER_RUNS - 1:02d}"
        )
        return found is not None and found.id == info.writers[-1]["run_context"]
    finally:
        store.close()


def build_store(
    n_executions: int,
    dialect: str,
    *,
    seed: int = 1,
    mysql: dict[str, Any] | None = None,
    rebuild: bool = False,
    log: Callable[[str], None] | None = None,
) -> StoreInfo:
    """Build (or reuse) the KFP-shaped store; ``mysql``: host, port, user[, password]."""
    say = log or (lambda m: print(m, file=sys.stderr, flush=True))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = f"kfp-n{n_executions}-s{seed}-v{VERSION}"
    record = CACHE_DIR / f"{key}.{dialect}.json"
    if dialect == "sqlite":
        path = CACHE_DIR / f"{key}.db"
        url, sqlite_path, target = f"sqlite:///{path}", str(path), None
    else:
        assert mysql is not None
        target = {**mysql, "database": f"lineage_sbench_n{n_executions}_s{seed}_v{VERSION}"}
        auth = target["user"] + (f":{target['password']}" if target.get("password") else "")
        url = f"mysql://{auth}@{target['host']}:{target['port']}/{target['database']}"
        sqlite_path = None
    if not rebuild and record.exists():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            info = StoreInfo(**json.loads(record.read_text()))
            exists = (
                Path(info.sqlite_path).exists() if info.sqlite_path else _mysql_exists(target or {})
            )
            if info.url == url and exists and _marker_ok(info):
                info.runs = [tuple(r) for r in info.runs]  # type: ignore[misc]
                return info
    with contextlib.suppress(FileNotFoundError):
        record.unlink()
    if sqlite_path:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(sqlite_path + suffix)
    else:
        drop_mysql_database(target or {})
    info = StoreInfo(n_executions, seed, dialect, VERSION, url, sqlite_path, target, {}, 0, 0.0)
    say(f"building the KFP-shaped store {key} on {dialect} ({url}) ...")
    started = time.perf_counter()
    _build(info, say)
    if target is not None:
        _analyze(target)
    info.build_seconds = round(time.perf_counter() - started, 1)
    record.write_text(json.dumps(asdict(info)))
    say(f"built {key} on {dialect} in {info.build_seconds:.1f} s: {info.counts}")
    return info


def _analyze(mysql: dict[str, Any]) -> None:
    """Fresh InnoDB statistics after the bulk load (as workload.py does)."""
    conn = _mysql_admin(mysql)
    try:
        cur = conn.cursor()
        cur.execute(f"USE `{mysql['database']}`")
        cur.execute("SHOW TABLES")
        names = [r[0] for r in cur.fetchall()]
        cur.execute("ANALYZE TABLE " + ", ".join(f"`{n}`" for n in names))
        cur.fetchall()
    finally:
        conn.close()
