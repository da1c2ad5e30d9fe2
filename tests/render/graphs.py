"""Fixed lineage graphs for the render tests, built as ``LineageGraph`` protos (stable ids)."""

from __future__ import annotations

from typing import Any

from lineage.proto import metadata_store_pb2 as pb

__all__ = ["fan_out", "path_keys", "pipeline", "shortcut"]

_T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def _event(graph: Any, artifact: int, execution: int, kind: int, *steps: str | int) -> None:
    event = graph.events.add(
        artifact_id=artifact, execution_id=execution, type=kind, milliseconds_since_epoch=_T0
    )
    for step in steps:
        if isinstance(step, int):
            event.path.steps.add(index=step)
        else:
            event.path.steps.add(key=step)


def pipeline() -> Any:
    """A small TFX-like pipeline with every look: versions, states, paths, contexts.

    raw (Dataset v3) ─source→ ingest ─examples→ examples ─examples[0]→ train (FAILED)
    examples ─examples→ train-2 ─model→ model ─model→ evaluate (RUNNING) ─metrics→ metrics
    config ─config→ train-2; env ─environment→ train-2; schema (declared input) → train-2
    """
    g = pb.LineageGraph()
    g.artifact_types.add(id=1, name="Dataset", base_type=pb.ArtifactType.DATASET)
    g.artifact_types.add(id=2, name="Model", base_type=pb.ArtifactType.MODEL)
    g.artifact_types.add(id=3, name="mlmd.Metrics", base_type=pb.ArtifactType.METRICS)
    g.artifact_types.add(id=4, name="Config")
    g.artifact_types.add(id=5, name="Environment")
    g.artifact_types.add(id=6, name="Schema")
    g.artifact_types.add(id=7, name="ExampleStatistics", base_type=pb.ArtifactType.STATISTICS)
    g.execution_types.add(id=11, name="Ingest")
    g.execution_types.add(id=12, name="Trainer", base_type=pb.ExecutionType.TRAIN)
    g.execution_types.add(id=13, name="Evaluator")
    g.context_types.add(id=21, name="Pipeline")
    g.context_types.add(id=22, name="PipelineRun")

    def artifact(i: int, type_id: int, name: str, uri: str, **props: Any) -> Any:
        a = g.artifacts.add(id=i, type_id=type_id, name=name, uri=uri, state=pb.Artifact.LIVE)
        a.create_time_since_epoch = a.last_update_time_since_epoch = _T0 + i * 1000
        for key, value in props.items():
            target = a.custom_properties[key]
            if isinstance(value, int):
                target.int_value = value
            else:
                target.string_value = value
        return a

    artifact(1, 1, "raw", "s3://lake/churn/raw.csv", version=3, fingerprint="sha256:" + "1a" * 32)
    artifact(2, 1, "", "s3://lake/churn/examples/7/", fingerprint="sha256:" + "2b" * 32)
    artifact(3, 4, "train.yaml", "git://configs/train.yaml", version=2)
    artifact(4, 5, "py3.12", "env://py3.12", fingerprint="sha256:" + "3c" * 32)
    artifact(5, 2, "churn-model", "s3://models/churn/5", version=5)
    artifact(6, 3, "churn-eval", "s3://metrics/churn/5.json")
    artifact(7, 6, "schema", "s3://lake/churn/schema.pbtxt").state = pb.Artifact.DELETED
    artifact(8, 7, 'stats "train" <split>', "s3://lake/churn/stats/7")

    def execution(i: int, type_id: int, name: str, state: int, seconds: int) -> Any:
        x = g.executions.add(id=i, type_id=type_id, name=name, last_known_state=state)
        x.create_time_since_epoch = _T0 + i * 10_000
        x.custom_properties["run.start_time"].int_value = _T0 + i * 10_000
        x.custom_properties["run.end_time"].int_value = _T0 + i * 10_000 + seconds * 1000
        return x

    execution(1, 11, "ingest-7", pb.Execution.COMPLETE, 42)
    execution(2, 12, "train-7a", pb.Execution.FAILED, 5).custom_properties[
        "run.error_type"
    ].string_value = "OutOfMemoryError"
    execution(3, 12, "train-7b", pb.Execution.COMPLETE, 3725)
    execution(4, 13, "", pb.Execution.RUNNING, 0)

    _event(g, 1, 1, pb.Event.INPUT, "source")
    _event(g, 2, 1, pb.Event.OUTPUT, "examples")
    _event(g, 8, 1, pb.Event.INTERNAL_OUTPUT, "statistics")
    _event(g, 2, 2, pb.Event.INPUT, "examples", 0)
    _event(g, 2, 3, pb.Event.INPUT, "examples")
    _event(g, 3, 3, pb.Event.INPUT, "config")
    _event(g, 4, 3, pb.Event.INPUT, "environment")
    _event(g, 7, 3, pb.Event.DECLARED_INPUT, "schema")
    _event(g, 5, 3, pb.Event.OUTPUT, "model")
    _event(g, 5, 4, pb.Event.INPUT, "model")
    _event(g, 6, 4, pb.Event.PENDING_OUTPUT, "metrics")
    _event(g, 3, 4, pb.Event.UNKNOWN)

    g.contexts.add(id=1, type_id=21, name="churn")
    g.contexts.add(id=2, type_id=22, name="churn-run-7")
    g.parent_contexts.add(child_id=2, parent_id=1)
    for execution_id in (1, 2, 3, 4):
        g.associations.add(execution_id=execution_id, context_id=2)
    for artifact_id in (1, 2, 5, 6, 8):
        g.attributions.add(artifact_id=artifact_id, context_id=2)
    g.attributions.add(artifact_id=3, context_id=1)
    return g


def path_keys() -> tuple[str, ...]:
    """A path through :func:`pipeline`: raw → ingest → examples → train-7b → model."""
    return ("artifact:1", "execution:1", "artifact:2", "execution:3", "artifact:5")


def fan_out(trainers: int = 30, shared_env: bool = True) -> Any:
    """One dataset read by many trainers, each with a private config and its own model.

    With ``shared_env`` every trainer also reads one environment (a shared node).
    """
    g = pb.LineageGraph()
    g.artifact_types.add(id=1, name="Dataset", base_type=pb.ArtifactType.DATASET)
    g.artifact_types.add(id=2, name="Model", base_type=pb.ArtifactType.MODEL)
    g.artifact_types.add(id=3, name="Config")
    g.artifact_types.add(id=4, name="Environment")
    g.execution_types.add(id=11, name="Trainer")
    g.artifacts.add(id=1, type_id=1, name="data", uri="s3://d/data.csv")
    g.artifacts.add(id=2, type_id=4, name="env", uri="env://1")
    for i in range(trainers):
        x = 1 + i
        g.executions.add(
            id=x, type_id=11, name=f"trial-{i:02d}", last_known_state=pb.Execution.COMPLETE
        )
        config, model = 100 + i, 200 + i
        g.artifacts.add(id=config, type_id=3, name=f"trial-{i:02d}.yaml", uri=f"c://{i}")
        g.artifacts.add(id=model, type_id=2, name=f"model-{i:02d}", uri=f"m://{i}")
        _event(g, 1, x, pb.Event.INPUT, "examples")
        _event(g, config, x, pb.Event.INPUT, "config")
        if shared_env:
            _event(g, 2, x, pb.Event.INPUT, "environment")
        _event(g, model, x, pb.Event.OUTPUT, "model")
    return g


def shortcut() -> Any:
    """A → X1 → B → X2 → C, plus the shortcut A → X2 (X2 also reads A directly)."""
    g = pb.LineageGraph()
    g.artifact_types.add(id=1, name="Dataset", base_type=pb.ArtifactType.DATASET)
    g.execution_types.add(id=11, name="Step")
    for i, name in ((1, "a"), (2, "b"), (3, "c")):
        g.artifacts.add(id=i, type_id=1, name=name)
    for i in (1, 2):
        g.executions.add(id=i, type_id=11, name=f"step-{i}")
    _event(g, 1, 1, pb.Event.INPUT)
    _event(g, 2, 1, pb.Event.OUTPUT)
    _event(g, 2, 2, pb.Event.INPUT)
    _event(g, 1, 2, pb.Event.INPUT, "raw")
    _event(g, 3, 2, pb.Event.OUTPUT)
    return g
