"""KFP- and TFX-shaped call sequences through ml-metadata's gRPC client against ``lineage serve``.

Each scenario runs twice, in the same test: against ml-metadata 1.17.1's own store (an
in-process SQLite database, the reference) and through ``MetadataStoreClientConfig`` against a
lineage server on each backend. Every step's outcome (ids relative to the first, names, or the
exception class) goes into a transcript, and the two transcripts must be equal; explicit
assertions pin what the clients depend on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ml_metadata import errors as mlmd_errors
from ml_metadata import metadata_store as mlmd
from ml_metadata.proto import metadata_store_pb2 as mpb

from tests.conftest import FILE_BACKENDS, fresh_url
from tests.service.conftest import start

pytestmark = pytest.mark.compat

Transcript = list[tuple[str, Any]]


def _outcome(transcript: Transcript, step: str, fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except mlmd_errors.StatusError as exc:
        transcript.append((step, type(exc).__name__))
        return exc
    transcript.append((step, value))
    return value


def _get_or_create_type(store: Any, t: Transcript, kind: str, name: str) -> int:
    getter = getattr(store, f"get_{kind}_type")
    found = _outcome(t, f"get {kind} type {name}", lambda: getter(name).name)
    if isinstance(found, mlmd_errors.NotFoundError):
        message = getattr(mpb, kind.title().replace("_", "") + "Type")(name=name)
        return int(getattr(store, f"put_{kind}_type")(message))
    return int(getter(name).id)


def _get_or_create_context(
    store: Any, t: Transcript, type_id: int, type_name: str, name: str
) -> Any:
    found = store.get_context_by_type_and_name(type_name, name)
    t.append((f"context {name} before", found is None))
    if found is None:
        store.put_contexts([mpb.Context(type_id=type_id, name=name)])
        found = store.get_context_by_type_and_name(type_name, name)
    return found


def kfp(store: Any) -> Transcript:
    """KFP v2's driver and launcher: get-or-create, run under a DAG, list the DAG's tasks."""
    t: Transcript = []
    pipeline_type = _get_or_create_type(store, t, "context", "system.Pipeline")
    run_type = _get_or_create_type(store, t, "context", "system.PipelineRun")
    pipeline = _get_or_create_context(store, t, pipeline_type, "system.Pipeline", "p")
    run = _get_or_create_context(store, t, run_type, "system.PipelineRun", "run-1")
    again = _get_or_create_context(store, t, run_type, "system.PipelineRun", "run-1")
    t.append(("same run context", again.id == run.id))
    link = [mpb.ParentContext(parent_id=pipeline.id, child_id=run.id)]
    _outcome(t, "parent link", lambda: store.put_parent_contexts(link))
    _outcome(t, "parent link again", lambda: store.put_parent_contexts(link))
    dup = mpb.Context(type_id=run_type, name="run-1")
    _outcome(t, "duplicate context", lambda: store.put_contexts([dup]))
    dag_type = _get_or_create_type(store, t, "execution", "system.DAGExecution")
    task_type = _get_or_create_type(store, t, "execution", "system.ContainerExecution")
    _get_or_create_type(store, t, "execution", "system.ContainerExecution")
    data_type = _get_or_create_type(store, t, "artifact", "system.Dataset")
    dag = mpb.Execution(type_id=dag_type, last_known_state=mpb.Execution.RUNNING)
    dag_id, _, _ = store.put_execution(dag, [], [pipeline, run])
    other = mpb.Execution(type_id=dag_type)
    other_id, _, _ = store.put_execution(other, [], [pipeline, run])
    first_task = None
    for i in range(130):
        task = mpb.Execution(type_id=task_type, last_known_state=mpb.Execution.RUNNING)
        task.custom_properties["parent_dag_id"].int_value = dag_id if i % 13 else other_id
        task.custom_properties["task_name"].string_value = f"task-{i}"
        output = mpb.Artifact(type_id=data_type, uri=f"minio://run-1/task-{i}")
        event = mpb.Event(type=mpb.Event.OUTPUT)
        event.path.steps.add().key = "dataset"
        task_id, _, _ = store.put_execution(task, [(output, event)], [pipeline, run])
        first_task = first_task or task_id
    query = f"custom_properties.parent_dag_id.int_value = {dag_id}"
    tasks = store.get_executions_by_context(
        run.id, list_options=mlmd.ListOptions(filter_query=query)
    )
    t.append(("tasks under the dag", len(tasks)))
    t.append(("task order", [e.id - first_task for e in tasks][:5]))
    names = sorted(e.custom_properties["task_name"].string_value for e in tasks)
    t.append(("task names", names[:3]))
    limited = store.get_executions_by_context(run.id, list_options=mlmd.ListOptions(limit=7))
    t.append(("limited", [e.id - dag_id for e in limited]))
    events = store.get_events_by_execution_ids([e.id for e in tasks[:3]])
    t.append(
        ("events", [(e.execution_id - first_task, e.type, e.path.steps[0].key) for e in events])
    )
    done = tasks[0]
    done.last_known_state = mpb.Execution.COMPLETE
    store.put_executions([done])
    t.append(("state", store.get_executions_by_id([done.id])[0].last_known_state))
    _outcome(t, "missing type", lambda: store.get_artifact_type("system.Model"))
    t.append(("by name, missing", store.get_execution_by_type_and_name("system.DAGExecution", "x")))
    return t


def tfx(store: Any) -> Transcript:
    """TFX's publisher and input resolution: reuse options, put_lineage_subgraph, filters."""
    t: Transcript = []
    ctype = store.put_context_type(mpb.ContextType(name="pipeline"))
    rtype = store.put_context_type(mpb.ContextType(name="pipeline_run"))
    etype = store.put_execution_type(mpb.ExecutionType(name="Trainer"))
    examples = store.put_artifact_type(mpb.ArtifactType(name="Examples"))
    model = store.put_artifact_type(mpb.ArtifactType(name="Model"))

    def contexts(run: str) -> list[Any]:
        return [mpb.Context(type_id=ctype, name="chicago"), mpb.Context(type_id=rtype, name=run)]

    published = []
    for run in ("r1", "r2"):
        data = mpb.Artifact(type_id=examples, uri="/ex", external_id="examples:1")
        data.state = mpb.Artifact.LIVE
        out = mpb.Artifact(type_id=model, uri=f"/model/{run}", state=mpb.Artifact.LIVE)
        execution = mpb.Execution(type_id=etype, last_known_state=mpb.Execution.COMPLETE)
        ids = store.put_execution(
            execution,
            [(data, mpb.Event(type=mpb.Event.INPUT)), (out, mpb.Event(type=mpb.Event.OUTPUT))],
            contexts(run),
            reuse_context_if_already_exist=True,
            reuse_artifact_if_already_exist_by_external_id=True,
            force_reuse_context=True,
        )
        published.append(ids)
    (x1, a1, c1), (x2, a2, c2) = published
    t.append(("reused examples", a1[0] == a2[0]))
    t.append(("reused pipeline context", c1[0] == c2[0]))
    t.append(("new run context", c1[1] != c2[1]))
    dup = mpb.Execution(type_id=etype)
    _outcome(
        t,
        "context reuse off",
        lambda: store.put_execution(dup, [], [mpb.Context(type_id=ctype, name="chicago")]),
    )
    sub = store.put_lineage_subgraph(
        [mpb.Execution(type_id=etype)],
        [
            mpb.Artifact(type_id=examples, uri="/ex", external_id="examples:1"),
            mpb.Artifact(type_id=model, uri="/model/r3"),
        ],
        contexts("r3"),
        [
            _edge(0, 0, mpb.Event.INPUT),
            _edge(0, 1, mpb.Event.OUTPUT),
        ],
        reuse_context_if_already_exist=True,
        reuse_artifact_if_already_exist_by_external_id=True,
    )
    t.append(("subgraph reused examples", sub[1][0] == a1[0]))
    t.append(("subgraph reused pipeline", sub[2][0] == c1[0]))
    queries = [
        "type = 'Model' AND contexts_a.type = 'pipeline' AND contexts_a.name = 'chicago'",
        "type = 'Model' AND state = LIVE AND contexts_r.name = 'r2'",
        "contexts_a.name = 'chicago' AND events_0.type = INPUT",
        "uri LIKE '/model/%' AND NOT(contexts_r.name = 'r1')",
        "external_id = 'examples:1'",
    ]
    for query in queries:
        found = store.get_artifacts(list_options=mlmd.ListOptions(filter_query=query))
        t.append((query, sorted(a.uri for a in found)))
    _outcome(
        t,
        "bad filter",
        lambda: store.get_artifacts(list_options=mlmd.ListOptions(filter_query="type = ")),
    )
    newest = store.get_artifacts(
        list_options=mlmd.ListOptions(
            limit=2,
            order_by=mlmd.OrderByField.CREATE_TIME,
            is_asc=False,
            filter_query="type = 'Model'",
        )
    )
    t.append(("newest models", [a.uri for a in newest]))
    return t


def _edge(execution: int, artifact: int, kind: Any) -> tuple[int, int, Any]:
    return (execution, artifact, mpb.Event(type=kind))


@pytest.fixture(params=FILE_BACKENDS)
def served(request: Any, tmp_path: Path) -> Iterator[Any]:
    server = start(fresh_url(str(request.param), tmp_path))
    config = mpb.MetadataStoreClientConfig(host="127.0.0.1", port=server.port)
    try:
        yield mlmd.MetadataStore(config)
    finally:
        server.stop(1)


def _reference(tmp_path: Path) -> Any:
    config = mpb.ConnectionConfig()
    config.sqlite.filename_uri = str(tmp_path / "reference.db")
    return mlmd.MetadataStore(config)


def test_kfp_driver_and_launcher_sequence(served: Any, tmp_path: Path) -> None:
    got = kfp(served)
    expected = kfp(_reference(tmp_path))
    assert got == expected
    steps: dict[str, Any] = {}
    for step, value in got:
        steps.setdefault(step, value)  # the first time a step ran
    assert steps["get context type system.Pipeline"] == "NotFoundError"
    assert steps["context run-1 before"] is True
    assert steps["parent link again"] == "AlreadyExistsError"
    assert steps["duplicate context"] == "AlreadyExistsError"
    assert steps["tasks under the dag"] == 120
    assert steps["by name, missing"] is None


def test_tfx_publisher_and_input_resolution(served: Any, tmp_path: Path) -> None:
    got = tfx(served)
    expected = tfx(_reference(tmp_path))
    assert got == expected
    steps = dict(got)
    assert steps["reused examples"] is True
    assert steps["context reuse off"] == "AlreadyExistsError"
    assert steps["bad filter"] == "InvalidArgumentError"
