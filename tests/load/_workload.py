"""The workload of the load tests: writers, readers and the consistency checks.

Kept apart from the test modules so ``multiprocessing`` children (``spawn``) import only this and
lineage, never pytest. Every child opens its own ``lineage.MetadataStore(url)``; no store object
crosses a process boundary, only URLs, numbers and strings.

One execution as the writers record it (``put_execution``):

* 1 or 2 inputs: a new artifact, an output this writer recorded earlier (passed whole, with its
  id) or one of ``SHARED_INPUTS`` artifacts that every writer uses, named by external id and
  created by whoever gets there first (``reuse_artifact_if_already_exist_by_external_id``);
* 1 or 2 outputs, always new artifacts;
* an INPUT/OUTPUT event per artifact with a two-step path (``"in"``/``"out"``, position);
* the one pipeline context, created by the first writer and reused by the others
  (``reuse_context_if_already_exist``), which every artifact and the execution are linked to.

The execution carries ``expected_events`` so a reader or the final check knows exactly how many
events it must have.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lineage.proto import metadata_store_pb2 as pb

ARTIFACT_TYPE = "load.Data"
EXECUTION_TYPE = "load.Step"
CONTEXT_TYPE = "load.Pipeline"
PIPELINE = "shared-pipeline"
#: Artifacts (external ids ``shared-0`` ...) that all writers use as inputs.
SHARED_INPUTS = 8
#: How many of the newest executions a reader checks per round.
READ_WINDOW = 100


@dataclass(frozen=True)
class Types:
    artifact: int
    execution: int
    context: int


def register_types(store: Any) -> Types:
    """Register (or find) the three types; every writer does this at start, concurrently."""
    artifact = pb.ArtifactType(name=ARTIFACT_TYPE, properties={"worker": pb.INT, "seq": pb.INT})
    execution = pb.ExecutionType(
        name=EXECUTION_TYPE,
        properties={"worker": pb.INT, "seq": pb.INT, "expected_events": pb.INT},
    )
    context = pb.ContextType(name=CONTEXT_TYPE)
    return Types(
        store.put_artifact_type(artifact),
        store.put_execution_type(execution),
        store.put_context_type(context),
    )


def execution_name(worker: int, seq: int) -> str:
    return f"w{worker}-{seq}"


def _event(kind: int, key: str, index: int) -> Any:
    event = pb.Event(type=kind)
    event.path.steps.add().key = key
    event.path.steps.add().index = index
    return event


class Writer:
    """Builds and records the executions of one writer (see the module docstring)."""

    def __init__(self, store: Any, types: Types, worker: int, seed: int) -> None:
        self.store = store
        self.types = types
        self.worker = worker
        self.rng = random.Random(seed)
        self.outputs: list[Any] = []  # this writer's stored outputs, with ids

    def _new_artifact(self, seq: int, role: str, index: int) -> Any:
        a = pb.Artifact(
            type_id=self.types.artifact,
            uri=f"/load/w{self.worker}/{seq}/{role}{index}",
            state=pb.Artifact.LIVE,
        )
        a.properties["worker"].int_value = self.worker
        a.properties["seq"].int_value = seq
        return a

    def request(self, seq: int) -> tuple[Any, list[tuple[Any, Any]], list[Any]]:
        """The arguments of one ``put_execution`` call."""
        rng = self.rng
        pairs: list[tuple[Any, Any]] = []
        used: set[str] = set()
        for i in range(rng.randint(1, 2)):
            roll = rng.random()
            artifact = None
            if roll < 0.25:
                k = rng.randrange(SHARED_INPUTS)
                if f"x{k}" not in used:
                    used.add(f"x{k}")
                    artifact = pb.Artifact(
                        type_id=self.types.artifact,
                        uri=f"/load/shared/{k}",
                        external_id=f"shared-{k}",
                        state=pb.Artifact.LIVE,
                    )
            elif roll < 0.6 and self.outputs:
                earlier = rng.choice(self.outputs)
                if f"i{earlier.id}" not in used:
                    used.add(f"i{earlier.id}")
                    artifact = earlier
            if artifact is None:
                artifact = self._new_artifact(seq, "in", i)
            pairs.append((artifact, _event(pb.Event.INPUT, "in", i)))
        for i in range(rng.randint(1, 2)):
            pairs.append((self._new_artifact(seq, "out", i), _event(pb.Event.OUTPUT, "out", i)))
        execution = pb.Execution(
            type_id=self.types.execution,
            name=execution_name(self.worker, seq),
            last_known_state=pb.Execution.COMPLETE,
        )
        execution.properties["worker"].int_value = self.worker
        execution.properties["seq"].int_value = seq
        execution.properties["expected_events"].int_value = len(pairs)
        context = pb.Context(type_id=self.types.context, name=PIPELINE)
        return execution, pairs, [context]

    def record(self, seq: int) -> int:
        """Record execution ``seq``; return its id."""
        execution, pairs, contexts = self.request(seq)
        execution_id, artifact_ids, _ = self.store.put_execution(
            execution,
            pairs,
            contexts,
            reuse_context_if_already_exist=True,
            reuse_artifact_if_already_exist_by_external_id=True,
        )
        for (artifact, event), artifact_id in zip(pairs, artifact_ids, strict=True):
            if event.type == pb.Event.OUTPUT:
                stored = pb.Artifact()
                stored.CopyFrom(artifact)
                stored.id = artifact_id
                self.outputs.append(stored)
        del self.outputs[:-50]
        return int(execution_id)

    def record_batch(self, seqs: range) -> list[int]:
        """Record executions ``seqs`` in one ``put_lineage_subgraph`` call; return their ids."""
        executions: list[Any] = []
        artifacts: list[Any] = []
        slots: dict[str, int] = {}  # one entry per distinct artifact of the batch
        edges: list[tuple[int, int, Any]] = []
        for seq in seqs:
            execution, pairs, _ = self.request(seq)
            executions.append(execution)
            for n, (artifact, event) in enumerate(pairs):
                if artifact.HasField("id"):
                    key = f"i{artifact.id}"
                elif artifact.external_id:
                    key = f"x{artifact.external_id}"
                else:
                    key = f"new{seq}-{n}"
                if key not in slots:
                    slots[key] = len(artifacts)
                    artifacts.append(artifact)
                edges.append((len(executions) - 1, slots[key], event))
        context = pb.Context(type_id=self.types.context, name=PIPELINE)
        execution_ids, artifact_ids, _ = self.store.put_lineage_subgraph(
            executions,
            artifacts,
            [context],
            edges,
            reuse_context_if_already_exist=True,
            reuse_artifact_if_already_exist_by_external_id=True,
        )
        outputs = {index for _, index, event in edges if event.type == pb.Event.OUTPUT}
        for index in sorted(outputs):
            stored = pb.Artifact()
            stored.CopyFrom(artifacts[index])
            stored.id = artifact_ids[index]
            self.outputs.append(stored)
        del self.outputs[:-50]
        return [int(i) for i in execution_ids]


@dataclass
class WriterResult:
    worker: int
    done: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_writer(
    store: Any, worker: int, count: int, seed: int, start: Callable[[], object] | None = None
) -> WriterResult:
    """Register the types and record ``count`` executions; collect every exception."""
    result = WriterResult(worker)
    began = time.perf_counter()
    try:
        if start is not None:
            start()
        writer = Writer(store, register_types(store), worker, seed)
        for seq in range(count):
            try:
                writer.record(seq)
                result.done += 1
            except Exception:
                result.errors.append(f"writer {worker}, execution {seq}:\n{traceback.format_exc()}")
    except Exception:
        result.errors.append(f"writer {worker}:\n{traceback.format_exc()}")
    result.seconds = time.perf_counter() - began
    return result


# --------------------------------------------------------------------------- readers
def read_round(store: Any) -> list[str]:
    """Check the newest executions: each one visible has all its events, artifacts and links.

    The executions are read first; every later read sees at least what was committed when they
    were read, so an execution written atomically can never look incomplete here.
    """
    from lineage import ListOptions, OrderByField

    newest = store.get_executions(
        list_options=ListOptions(limit=READ_WINDOW, order_by=OrderByField.ID, is_asc=False)
    )
    if not newest:
        return []
    ids = sorted(int(e.id) for e in newest)
    problems: list[str] = []
    events = store.get_events_by_execution_ids(ids)
    per_execution = Counter(int(e.execution_id) for e in events)
    for execution in newest:
        want = execution.properties["expected_events"].int_value
        got = per_execution[int(execution.id)]
        if got != want:
            problems.append(f"execution {execution.id} visible with {got} of {want} events")
    context = store.get_context_by_type_and_name(CONTEXT_TYPE, PIPELINE)
    if context is None:
        return [*problems, f"{len(newest)} executions visible but no pipeline context"]
    in_list = ", ".join(str(i) for i in ids)
    associated = {
        int(e.id)
        for e in store.get_executions_by_context(
            context.id, list_options=ListOptions(filter_query=f"id IN ({in_list})")
        )
    }
    for missing in sorted(set(ids) - associated):
        problems.append(f"execution {missing} visible without its association")
    artifact_ids = sorted({int(e.artifact_id) for e in events})
    if artifact_ids:
        stored = {int(a.id) for a in store.get_artifacts_by_id(artifact_ids)}
        for missing in sorted(set(artifact_ids) - stored):
            problems.append(f"an event points to artifact {missing}, which is not visible")
        art_list = ", ".join(str(i) for i in artifact_ids)
        attributed = {
            int(a.id)
            for a in store.get_artifacts_by_context(
                context.id, list_options=ListOptions(filter_query=f"id IN ({art_list})")
            )
        }
        for missing in sorted(set(artifact_ids) - attributed):
            problems.append(f"artifact {missing} visible without its attribution")
    return problems


@dataclass
class ReaderResult:
    rounds: int = 0
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_reader(store: Any, stop: Callable[[], bool]) -> ReaderResult:
    """Run :func:`read_round` until ``stop()``; collect problems and exceptions."""
    result = ReaderResult()
    while not stop():
        try:
            result.problems.extend(read_round(store))
            result.rounds += 1
        except Exception:
            result.errors.append(traceback.format_exc())
            if len(result.errors) > 20:
                break
    return result


# --------------------------------------------------------------------------- process entries
def writer_process(url: str, worker: int, count: int, seed: int, start: Any, out: Any) -> None:
    """A writer in its own process: opens its own store, waits for ``start``, reports to ``out``."""
    import lineage

    try:
        store = lineage.MetadataStore(url)
    except Exception:
        out.put(("writer", WriterResult(worker, errors=[traceback.format_exc()])))
        return
    try:
        result = run_writer(store, worker, count, seed, lambda: start.wait(120))
    finally:
        store.close()
    out.put(("writer", result))


def reader_process(url: str, stop: Any, out: Any) -> None:
    """A reader in its own process until ``stop`` is set."""
    import lineage

    try:
        store = lineage.MetadataStore(url)
    except Exception:
        out.put(("reader", ReaderResult(errors=[traceback.format_exc()])))
        return
    try:
        result = run_reader(store, stop.is_set)
    finally:
        store.close()
    out.put(("reader", result))


# --------------------------------------------------------------------------- crash writers
IDLE, BATCH, SINGLE = 0, 1, 2
BATCH_SIZE = 50
SINGLES_PER_ROUND = 20


def crash_writer(url: str, worker: int, phase: Any, ready: Any, go: Any) -> None:
    """Write until killed: a ``put_lineage_subgraph`` of 50 executions, then 20 ``put_execution``
    calls, again and again; ``phase`` tells the parent which kind of call is running."""
    import lineage

    store = lineage.MetadataStore(url)
    writer = Writer(store, register_types(store), worker, seed=worker)
    ready.set()
    go.wait()
    seq = 0
    while True:
        phase.value = BATCH
        writer.record_batch(range(seq, seq + BATCH_SIZE))
        seq += BATCH_SIZE
        phase.value = SINGLE
        for _ in range(SINGLES_PER_ROUND):
            writer.record(seq)
            seq += 1


def upgrade_process(url: str, started: Any, done: Any) -> None:
    """Open ``url`` with upgrade migration enabled (the parent kills this at random moments)."""
    from lineage.store import MetadataStore  # imported before the clock starts

    started.set()
    MetadataStore(url, enable_upgrade_migration=True).close()
    done.set()


# --------------------------------------------------------------------------- final check
def check_final(
    store: Any, expected: dict[str, int] | None = None, since: tuple[int, int] = (0, 0)
) -> list[str]:
    """Problems with the recorded workload; ``expected`` = execution name → 1 for every one.

    Exactly the expected executions (no loss, no duplicate), each with exactly its events, each
    associated with the one pipeline context, every artifact attributed to it and with events,
    one type per name. ``since`` = (execution id, artifact id): check only newer rows (rows
    written before cannot change, and the crash tests check everything every few kills).
    """
    from lineage import ListOptions

    after_e, after_a = since
    problems: list[str] = []
    for name, getter in (
        (ARTIFACT_TYPE, store.get_artifact_types),
        (EXECUTION_TYPE, store.get_execution_types),
        (CONTEXT_TYPE, store.get_context_types),
    ):
        found = [t for t in getter() if t.name == name]
        if len(found) > 1 or (expected and not found):
            problems.append(f"{len(found)} types named {name}")

    def newer(after: int) -> Any:
        return ListOptions(filter_query=f"id > {after}")

    executions = [
        e for e in store.get_executions(list_options=newer(after_e)) if e.type == EXECUTION_TYPE
    ]
    names = Counter(e.name for e in executions)
    if expected is not None:
        lost = sorted(set(expected) - set(names))
        extra = sorted(set(names) - set(expected))
        if lost:
            problems.append(f"{len(lost)} executions lost, e.g. {lost[:5]}")
        if extra:
            problems.append(f"{len(extra)} unexpected executions, e.g. {extra[:5]}")
    duplicated = sorted(n for n, c in names.items() if c > 1)
    if duplicated:
        problems.append(f"executions recorded twice: {duplicated[:5]}")
    ids = [int(e.id) for e in executions]
    events = store.get_events_by_execution_ids(ids) if ids else []
    per_execution = Counter(int(e.execution_id) for e in events)
    wrong = [
        (e.name, per_execution[int(e.id)], e.properties["expected_events"].int_value)
        for e in executions
        if per_execution[int(e.id)] != e.properties["expected_events"].int_value
    ]
    if wrong:
        problems.append(f"{len(wrong)} executions with missing/extra events, e.g. {wrong[:5]}")
    # PostgreSQL returns an event's steps in their physical (ctid) order, which concurrent
    # writers can make differ from the written order (docs/mlmd-differences.md S6): there the
    # steps are checked without their order.
    ordered = store.dialect != "postgresql"
    for event in events:
        steps = [(s.key, s.index) for s in event.path.steps]
        if not ordered:
            steps.sort(key=lambda step: not step[0])  # the key step first, as written
        want_key = "in" if event.type == pb.Event.INPUT else "out"
        if len(steps) != 2 or steps[0][0] != want_key:
            problems.append(f"event {event.execution_id}->{event.artifact_id} has path {steps}")
            break
    contexts = store.get_contexts_by_type(CONTEXT_TYPE)
    context_names = [c.name for c in contexts]
    if context_names not in ([PIPELINE], []) or (expected and not contexts):
        problems.append(f"pipeline contexts: {context_names}")
    artifacts = [
        a for a in store.get_artifacts(list_options=newer(after_a)) if a.type == ARTIFACT_TYPE
    ]
    artifact_ids = {int(a.id) for a in artifacts}
    if contexts:
        context_id = contexts[0].id
        associated = {
            int(e.id)
            for e in store.get_executions_by_context(context_id, list_options=newer(after_e))
        }
        if associated != set(ids):
            problems.append(
                f"{len(set(ids) - associated)} executions without association, "
                f"{len(associated - set(ids))} unknown associated"
            )
        attributed = {
            int(a.id)
            for a in store.get_artifacts_by_context(context_id, list_options=newer(after_a))
        }
        linked = {int(e.artifact_id) for e in events}
        if artifact_ids != attributed or not artifact_ids <= linked:
            problems.append(
                f"artifacts {len(artifact_ids)}, attributed {len(attributed)}, with events "
                f"{len(linked)}: unattributed {sorted(artifact_ids - attributed)[:5]}, without "
                f"events {sorted(artifact_ids - linked)[:5]}"
            )
        if after_a == 0 and not linked <= artifact_ids:
            missing = sorted(linked - artifact_ids)[:5]
            problems.append(f"events point to missing artifacts {missing}")
    elif ids or artifact_ids:
        problems.append(f"{len(ids)} executions, {len(artifact_ids)} artifacts, no context")
    shared = [a.external_id for a in artifacts if a.external_id.startswith("shared-")]
    if len(shared) != len(set(shared)) or len(shared) > SHARED_INPUTS:
        problems.append(f"shared inputs: {sorted(shared)}")
    return problems


def newest_ids(store: Any) -> tuple[int, int]:
    """The largest execution and artifact ids (for ``check_final(since=...)``)."""
    from lineage import ListOptions, OrderByField

    last = ListOptions(limit=1, order_by=OrderByField.ID, is_asc=False)
    executions = store.get_executions(list_options=last)
    artifacts = store.get_artifacts(list_options=last)
    return (
        int(executions[0].id) if executions else 0,
        int(artifacts[0].id) if artifacts else 0,
    )


def threads_writers(
    store: Any, workers: range, count: int, seed: int
) -> tuple[list[threading.Thread], list[WriterResult], threading.Event]:
    """Writer threads sharing ``store`` (not started); they begin when the event is set."""
    go = threading.Event()
    results = [WriterResult(w) for w in workers]

    def body(slot: int, worker: int) -> None:
        results[slot] = run_writer(store, worker, count, seed + worker, lambda: go.wait(120))

    threads = [
        threading.Thread(target=body, args=(i, w), name=f"writer-{w}", daemon=True)
        for i, w in enumerate(workers)
    ]
    return threads, results, go
