"""The write side of ``ingest_bench.py``: fresh databases, the seeded write workload, the floor.

* :func:`fresh_target` gives each writer an empty SQLite file (``bench/.cache/ingest/``) or
  MariaDB database (``lineage_bench_ingest_*``); :func:`setup_writer` stores the same types,
  input datasets and contexts through a library's own API.
* :func:`exec_specs` / :func:`exec_call` make the ``put_execution`` calls; :func:`batch_specs`
  and :class:`BatchWriter` the batched calls (1,000 items each).
* :class:`Floor` writes the same rows with ``sqlite3`` directly (no reads, no checks), with
  the durability of either library.
* :func:`dump` and :func:`compare_dumps` compare what two writers stored, table by table.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _reads import mlmd_config as _mlmd_config
from workload import (
    CACHE_DIR,
    _drop_mysql_database,
    _mysql_url,
    _put_types,
    _Types,
)

__all__ = [
    "BATCH",
    "BATCH_OPS",
    "FLOORS",
    "LIBS",
    "WORK_DIR",
    "BatchSpec",
    "BatchWriter",
    "ExecSpec",
    "Floor",
    "FloorBatchWriter",
    "Setup",
    "Target",
    "batch_specs",
    "close_store",
    "compare_dumps",
    "dump",
    "exec_call",
    "exec_specs",
    "floor_put_execution",
    "fresh_target",
    "open_writer",
    "setup_writer",
]

WORK_DIR = CACHE_DIR / "ingest"
BATCH = 1_000
INPUT, OUTPUT = 3, 4
COMPLETE = 3
LIVE = 2


def _pb() -> Any:
    from lineage.proto import metadata_store_pb2

    return metadata_store_pb2


# ----------------------------------------------------------------------------- databases
@dataclass
class Target:
    """A fresh database for one writer."""

    dialect: str
    url: str
    sqlite_path: str | None

    def mlmd_config(self) -> Any:
        return _mlmd_config(self.url, self.sqlite_path)


def fresh_target(dialect: str, name: str, mysql_url: str) -> Target:
    """An empty SQLite file under bench/.cache/ingest, or an empty MariaDB database."""
    if dialect == "sqlite":
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        path = WORK_DIR / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(path) + suffix).unlink()
        return Target("sqlite", f"sqlite:///{path}", str(path))
    database = f"lineage_bench_ingest_{name.replace('-', '_')}"
    _drop_mysql_database(mysql_url, database)
    import sqlalchemy as sa

    admin = sa.create_engine(
        sa.make_url(mysql_url)._replace(database=None),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{database}`")
    admin.dispose()
    return Target("mysql", _mysql_url(mysql_url, database), None)


def open_writer(library: str, target: Target) -> Any:
    if library == "mlmd":
        import ml_metadata

        return ml_metadata.MetadataStore(target.mlmd_config())
    import lineage

    return lineage.MetadataStore(target.url)


def close_store(store: Any) -> None:
    close = getattr(store, "close", None)
    if close is not None:
        close()


def dump(target: Target) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without times (which differ by when each call ran).

    Link tables are compared without their surrogate ids, and paths by their event's key, so
    the dump does not depend on the order in which a library inserted links.
    """
    import sqlalchemy as sa

    queries = {
        "Type": "SELECT id, name, version, type_kind, description, input_type, output_type, "
        "external_id FROM Type",
        "TypeProperty": "SELECT type_id, name, data_type FROM TypeProperty",
        "ParentType": "SELECT type_id, parent_type_id FROM ParentType",
        "Artifact": "SELECT id, type_id, uri, state, name, external_id FROM Artifact",
        "Execution": "SELECT id, type_id, last_known_state, name, external_id FROM Execution",
        "Context": "SELECT id, type_id, name, external_id FROM Context",
        "Event": "SELECT artifact_id, execution_id, type, milliseconds_since_epoch FROM Event",
        "EventPath": "SELECT e.artifact_id, e.execution_id, e.type, p.is_index_step, "
        "p.step_index, p.step_key FROM EventPath p JOIN Event e ON e.id = p.event_id",
        "Attribution": "SELECT context_id, artifact_id FROM Attribution",
        "Association": "SELECT context_id, execution_id FROM Association",
        "ParentContext": "SELECT context_id, parent_context_id FROM ParentContext",
    }
    for kind in ("Artifact", "Execution", "Context"):
        owner = kind.lower() + "_id"
        queries[f"{kind}Property"] = (
            f"SELECT {owner}, name, is_custom_property, int_value, double_value, string_value, "
            f"proto_value, bool_value FROM {kind}Property"
        )
    engine = sa.create_engine(sa.make_url(target.url), poolclass=sa.pool.NullPool)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for table, sql in queries.items():
                rows = conn.exec_driver_sql(sql).fetchall()
                out[table] = sorted(
                    (tuple(_norm(v) for v in row) for row in rows), key=lambda r: repr(r)
                )
    finally:
        engine.dispose()
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        # ml-metadata writes doubles as decimal text (0.703347 reads back as 0.7033469999999999)
        return round(value, 9)
    return value


def compare_dumps(ours: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> str:
    problems = []
    for table, rows in theirs.items():
        mine = ours.get(table, [])
        if mine != rows:
            extra = len(set(mine) - set(rows))
            missing = len(set(rows) - set(mine))
            problems.append(f"{table} {len(mine)}≠{len(rows)} rows (+{extra} -{missing})")
    return "same" if not problems else "FAIL: " + "; ".join(problems)


# ----------------------------------------------------------------------------- setup
@dataclass
class Setup:
    """What a writer's database holds before the timed calls."""

    types: _Types
    pool: list[Any]  # stored input artifacts, read back whole
    pipeline: Any  # the pipeline context message (no id: reused by name)
    contexts: list[int]


def _props(message: Any, values: dict[str, Any], custom: bool = False) -> None:
    target = message.custom_properties if custom else message.properties
    for name, value in values.items():
        if isinstance(value, int):
            target[name].int_value = value
        elif isinstance(value, float):
            target[name].double_value = value
        else:
            target[name].string_value = value


def _double(rng: random.Random) -> float:
    # ml-metadata stores doubles with 6 decimals (docs/mlmd-differences.md S1): values that
    # already have 6 decimals are stored alike by both libraries, so the dumps compare.
    return round(rng.uniform(0.0, 1.0), 6)


def setup_writer(store: Any, pool_size: int = 100, n_contexts: int = 10) -> Setup:
    """Types, stored input datasets and contexts, written through ``store``'s own API."""
    pb = _pb()
    types = _put_types(store)
    rng = random.Random(11)
    datasets = []
    for i in range(pool_size):
        a = pb.Artifact(
            type_id=types.artifact["Dataset"],
            name=f"dataset-{i:04d}",
            uri=f"gs://ingest-bench/data/{i:04d}",
            state=LIVE,
        )
        _props(
            a,
            {
                "span": rng.randint(1, 400),
                "version": rng.randint(1, 9),
                "fingerprint": f"sha256:{rng.getrandbits(128):032x}",
                "size_bytes": rng.randint(10_000, 2_000_000_000),
            },
        )
        _props(a, {"is_external": 1}, custom=True)
        datasets.append(a)
    ids = store.put_artifacts(datasets)
    pool = list(store.get_artifacts_by_id(ids))
    contexts = []
    for i in range(n_contexts):
        c = pb.Context(type_id=types.context["pipeline_run"], name=f"run-{i:03d}")
        _props(c, {"run_id": f"run-{i:03d}", "start_time_ms": 1_000 + i})
        contexts.append(c)
    context_ids = store.put_contexts(contexts)
    pipeline = pb.Context(type_id=types.context["pipeline"], name="ingest-pipeline")
    _props(pipeline, {"pipeline_root": "gs://ingest-bench/pipeline"})
    return Setup(types, pool, pipeline, context_ids)


# ----------------------------------------------------------------------------- per execution
@dataclass
class ExecSpec:
    """One recorded step: what put_execution writes."""

    name: str
    inputs: tuple[int, int]
    props: dict[str, Any]
    outputs: list[tuple[str, str, dict[str, Any]]]  # (type, name, properties)
    t_ms: int


def exec_specs(n: int, pool_size: int, seed: int = 5) -> list[ExecSpec]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        inputs = tuple(rng.sample(range(pool_size), 2))
        outputs = []
        for k in range(rng.choice((1, 2))):
            if k == 0:
                outputs.append(
                    (
                        "Model",
                        f"model-{i:06d}",
                        {
                            "version": i,
                            "learning_rate": _double(rng),
                            "framework": rng.choice(("tensorflow", "pytorch", "jax")),
                        },
                    )
                )
            else:
                outputs.append(
                    (
                        "ModelEvaluation",
                        f"eval-{i:06d}",
                        {"accuracy": _double(rng), "auc": _double(rng), "slice": "overall"},
                    )
                )
        out.append(
            ExecSpec(
                name=f"train-{i:06d}",
                inputs=(inputs[0], inputs[1]),
                props={
                    "component_id": "Trainer",
                    "train_steps": rng.randint(100, 100_000),
                    "learning_rate": _double(rng),
                },
                outputs=outputs,
                t_ms=1_704_067_200_000 + i * 1_000,
            )
        )
    return out


def exec_call(spec: ExecSpec, setup: Setup) -> tuple[Any, list[tuple[Any, Any]], list[Any]]:
    """The arguments of put_execution for ``spec``."""
    pb = _pb()
    x = pb.Execution(
        type_id=setup.types.execution["Trainer"], name=spec.name, last_known_state=COMPLETE
    )
    _props(x, spec.props)
    _props(x, {"tfx_version": "1.15.1"}, custom=True)
    pairs: list[tuple[Any, Any]] = []
    for n, index in enumerate(spec.inputs):
        e = pb.Event(type=INPUT, milliseconds_since_epoch=spec.t_ms)
        e.path.steps.add().key = "examples" if n == 0 else "schema"
        e.path.steps.add().index = 0
        pairs.append((setup.pool[index], e))
    for k, (atype, name, props) in enumerate(spec.outputs):
        a = pb.Artifact(
            type_id=setup.types.artifact[atype],
            name=name,
            uri=f"gs://ingest-bench/out/{name}",
            state=LIVE,
        )
        _props(a, props)
        _props(a, {"tfx_version": "1.15.1"}, custom=True)
        e = pb.Event(type=OUTPUT, milliseconds_since_epoch=spec.t_ms + 500)
        e.path.steps.add().key = atype.lower()
        e.path.steps.add().index = k
        pairs.append((a, e))
    return x, pairs, [setup.pipeline]


class Floor:
    """The same rows written with ``sqlite3`` directly: what the hardware and SQLite cost."""

    def __init__(self, path: str, journal_mode: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        mode = self.conn.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()[0]
        if str(mode).lower() != journal_mode.lower():
            raise RuntimeError(f"journal_mode {journal_mode} refused ({mode})")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.cur = self.conn.cursor()
        row = self.cur.execute("SELECT id FROM Context WHERE name = 'ingest-pipeline'").fetchone()
        self.context_id = int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        self.cur.execute("BEGIN IMMEDIATE")
        try:
            yield self.cur
        except BaseException:
            self.cur.execute("ROLLBACK")
            raise
        self.cur.execute("COMMIT")

    # The statements: one per table, as lineage's rows.
    X = (
        "INSERT INTO Execution (type_id, name, last_known_state, create_time_since_epoch, "
        "last_update_time_since_epoch) VALUES (?, ?, ?, ?, ?)"
    )
    A = (
        "INSERT INTO Artifact (type_id, name, uri, state, create_time_since_epoch, "
        "last_update_time_since_epoch) VALUES (?, ?, ?, ?, ?, ?)"
    )
    XP = (
        "INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value, "
        "double_value, string_value) VALUES (?, ?, ?, ?, ?, ?)"
    )
    AP = (
        "INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value, "
        "double_value, string_value) VALUES (?, ?, ?, ?, ?, ?)"
    )
    E = (
        "INSERT INTO Event (artifact_id, execution_id, type, milliseconds_since_epoch) "
        "VALUES (?, ?, ?, ?)"
    )
    EP = "INSERT INTO EventPath (event_id, is_index_step, step_index, step_key) VALUES (?, ?, ?, ?)"
    ATT = "INSERT OR IGNORE INTO Attribution (context_id, artifact_id) VALUES (?, ?)"
    ASS = "INSERT OR IGNORE INTO Association (context_id, execution_id) VALUES (?, ?)"


def _prop_rows(owner: int, message: Any) -> list[tuple[Any, ...]]:
    rows = []
    for custom, props in ((0, message.properties), (1, message.custom_properties)):
        for name, value in props.items():
            which = value.WhichOneof("value")
            rows.append(
                (
                    owner,
                    name,
                    custom,
                    value.int_value if which == "int_value" else None,
                    value.double_value if which == "double_value" else None,
                    value.string_value if which == "string_value" else None,
                )
            )
    return rows


def floor_put_execution(floor: Floor, execution: Any, pairs: list[tuple[Any, Any]]) -> None:
    """One transaction inserting the rows ``put_execution`` writes (inputs are unchanged)."""
    now = int(time.time() * 1000)
    with floor.transaction() as cur:
        artifact_ids = []
        for artifact, _ in pairs:
            if artifact.HasField("id"):
                artifact_ids.append(int(artifact.id))
                continue
            cur.execute(
                Floor.A, (artifact.type_id, artifact.name, artifact.uri, artifact.state, now, now)
            )
            aid = int(cur.lastrowid or 0)
            cur.executemany(Floor.AP, _prop_rows(aid, artifact))
            artifact_ids.append(aid)
        cur.execute(
            Floor.X, (execution.type_id, execution.name, execution.last_known_state, now, now)
        )
        xid = int(cur.lastrowid or 0)
        cur.executemany(Floor.XP, _prop_rows(xid, execution))
        for aid, (_, event) in zip(artifact_ids, pairs, strict=True):
            cur.execute(Floor.E, (aid, xid, event.type, event.milliseconds_since_epoch))
            eid = int(cur.lastrowid or 0)
            cur.executemany(
                Floor.EP,
                [
                    (eid, 1, s.index, None) if s.HasField("index") else (eid, 0, None, s.key)
                    for s in event.path.steps
                ],
            )
        cur.executemany(Floor.ATT, [(floor.context_id, a) for a in sorted(set(artifact_ids))])
        cur.execute(Floor.ASS, (floor.context_id, xid))


# ----------------------------------------------------------------------------- batches
LIBS = ("mlmd", "lineage")
FLOORS = (("WAL", "WAL"), ("rollback journal", "DELETE"))
BATCH_OPS = ("put_artifacts", "put_executions", "put_events", "put_attributions_and_associations")


@dataclass
class BatchSpec:
    artifacts: list[tuple[str, str, dict[str, Any]]]
    executions: list[tuple[str, dict[str, Any]]]
    t_ms: int


def batch_specs(rounds: int, seed: int = 9) -> list[BatchSpec]:
    from workload import ARTIFACT_TYPES

    rng = random.Random(seed)
    kinds = [k for k in ARTIFACT_TYPES if k != "Dataset"]
    out = []
    for b in range(rounds):
        artifacts = []
        for i in range(BATCH):
            kind = kinds[(b * BATCH + i) % len(kinds)]
            props: dict[str, Any] = {}
            for name, ptype in ARTIFACT_TYPES[kind][1].items():
                if ptype == 1:
                    props[name] = rng.randint(0, 1_000_000)
                elif ptype == 2:
                    props[name] = _double(rng)
                else:
                    props[name] = f"{name}-{rng.randint(0, 999)}"
            artifacts.append((kind, f"b{b:03d}-a{i:04d}", props))
        executions = [
            (f"b{b:03d}-x{i:04d}", {"step": i, "learning_rate": _double(rng)}) for i in range(BATCH)
        ]
        out.append(BatchSpec(artifacts, executions, 1_704_067_200_000 + b * 60_000))
    return out


def batch_messages(spec: BatchSpec, setup: Setup) -> tuple[list[Any], list[Any]]:
    pb = _pb()
    artifacts = []
    for kind, name, props in spec.artifacts:
        a = pb.Artifact(
            type_id=setup.types.artifact[kind],
            name=name,
            uri=f"gs://ingest-bench/batch/{name}",
            state=LIVE,
        )
        _props(a, props)
        _props(a, {"tfx_version": "1.15.1", "is_external": 0}, custom=True)
        artifacts.append(a)
    executions = []
    for name, props in spec.executions:
        x = pb.Execution(
            type_id=setup.types.execution["TrainStep"], name=name, last_known_state=COMPLETE
        )
        _props(x, props)
        _props(x, {"tfx_version": "1.15.1"}, custom=True)
        executions.append(x)
    return artifacts, executions


def events_for(artifact_ids: list[int], execution_ids: list[int], t_ms: int) -> list[Any]:
    pb = _pb()
    events = []
    for i, (aid, xid) in enumerate(zip(artifact_ids, execution_ids, strict=True)):
        e = pb.Event(
            artifact_id=aid,
            execution_id=xid,
            type=OUTPUT if i % 2 else INPUT,
            milliseconds_since_epoch=t_ms + i,
        )
        e.path.steps.add().key = "out" if i % 2 else "in"
        e.path.steps.add().index = i % 3
        events.append(e)
    return events


def links_for(
    artifact_ids: list[int], execution_ids: list[int], contexts: list[int]
) -> tuple[list[Any], list[Any]]:
    pb = _pb()
    return (
        [
            pb.Attribution(context_id=contexts[i % len(contexts)], artifact_id=a)
            for i, a in enumerate(artifact_ids)
        ],
        [
            pb.Association(context_id=contexts[i % len(contexts)], execution_id=x)
            for i, x in enumerate(execution_ids)
        ],
    )


class BatchWriter:
    """Runs the four batch calls of one round for one writer, timing each."""

    def __init__(self, store: Any, setup: Setup) -> None:
        self.store = store
        self.setup = setup

    def round(self, spec: BatchSpec) -> dict[str, float]:
        artifacts, executions = batch_messages(spec, self.setup)
        times: dict[str, float] = {}
        started = time.perf_counter()
        a_ids = self.store.put_artifacts(artifacts)
        times["put_artifacts"] = time.perf_counter() - started
        started = time.perf_counter()
        x_ids = self.store.put_executions(executions)
        times["put_executions"] = time.perf_counter() - started
        events = events_for(list(a_ids), list(x_ids), spec.t_ms)
        started = time.perf_counter()
        self.store.put_events(events)
        times["put_events"] = time.perf_counter() - started
        attributions, associations = links_for(list(a_ids), list(x_ids), self.setup.contexts)
        started = time.perf_counter()
        self.store.put_attributions_and_associations(attributions, associations)
        times["put_attributions_and_associations"] = time.perf_counter() - started
        return {k: v * 1000 for k, v in times.items()}


class FloorBatchWriter(BatchWriter):
    """The same four calls as executemany on sqlite3, one transaction each."""

    def __init__(self, floor: Floor, setup: Setup) -> None:
        super().__init__(None, setup)
        self.floor = floor

    def _insert_nodes(
        self, table: str, rows: list[tuple[Any, ...]], messages: list[Any]
    ) -> list[int]:
        cur = self.floor.cur
        cols = (
            "type_id, name, uri, state, create_time_since_epoch, last_update_time_since_epoch"
            if table == "Artifact"
            else "type_id, name, last_known_state, create_time_since_epoch, "
            "last_update_time_since_epoch"
        )
        marks = ", ".join("?" * len(rows[0]))
        cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        (last,) = cur.execute("SELECT last_insert_rowid()").fetchone()
        ids = list(range(last - len(rows) + 1, last + 1))
        prop_sql = Floor.AP if table == "Artifact" else Floor.XP
        cur.executemany(
            prop_sql, [r for i, m in zip(ids, messages, strict=True) for r in _prop_rows(i, m)]
        )
        return ids

    def round(self, spec: BatchSpec) -> dict[str, float]:
        artifacts, executions = batch_messages(spec, self.setup)
        times: dict[str, float] = {}
        started = time.perf_counter()
        now = int(time.time() * 1000)
        with self.floor.transaction():
            a_ids = self._insert_nodes(
                "Artifact",
                [(a.type_id, a.name, a.uri, a.state, now, now) for a in artifacts],
                artifacts,
            )
        times["put_artifacts"] = time.perf_counter() - started
        started = time.perf_counter()
        now = int(time.time() * 1000)
        with self.floor.transaction():
            x_ids = self._insert_nodes(
                "Execution",
                [(x.type_id, x.name, x.last_known_state, now, now) for x in executions],
                executions,
            )
        times["put_executions"] = time.perf_counter() - started
        events = events_for(a_ids, x_ids, spec.t_ms)
        started = time.perf_counter()
        with self.floor.transaction() as cur:
            cur.executemany(
                Floor.E,
                [
                    (e.artifact_id, e.execution_id, e.type, e.milliseconds_since_epoch)
                    for e in events
                ],
            )
            (last,) = cur.execute("SELECT last_insert_rowid()").fetchone()
            first = last - len(events) + 1
            cur.executemany(
                Floor.EP,
                [
                    (first + i, 1, s.index, None)
                    if s.HasField("index")
                    else (first + i, 0, None, s.key)
                    for i, e in enumerate(events)
                    for s in e.path.steps
                ],
            )
        times["put_events"] = time.perf_counter() - started
        attributions, associations = links_for(a_ids, x_ids, self.setup.contexts)
        started = time.perf_counter()
        with self.floor.transaction() as cur:
            cur.executemany(Floor.ATT, [(a.context_id, a.artifact_id) for a in attributions])
            cur.executemany(Floor.ASS, [(a.context_id, a.execution_id) for a in associations])
        times["put_attributions_and_associations"] = time.perf_counter() - started
        return {k: v * 1000 for k, v in times.items()}
