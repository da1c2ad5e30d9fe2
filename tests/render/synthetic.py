"""A seeded generator of pipeline-shaped lineage graphs (for render tests and the benchmark).

:func:`pipeline_graph` builds an MLMD ``LineageGraph`` directly (no store) that looks like a real
project: versioned raw datasets, a few environments and configs shared by many runs, TFX-like
pipeline runs (ingest → statistics → transform → train → evaluate → push), hyperparameter sweeps
that fan out from one dataset, failed and running steps, and contexts for each run. The same
``(nodes, seed)`` always gives the same graph, with stable ids.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from lineage.proto import metadata_store_pb2 as pb

__all__ = ["pipeline_graph"]

_T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in ms

ARTIFACT_TYPES = [
    ("Dataset", pb.ArtifactType.DATASET),
    ("Examples", pb.ArtifactType.DATASET),
    ("Statistics", pb.ArtifactType.STATISTICS),
    ("Schema", 0),
    ("Model", pb.ArtifactType.MODEL),
    ("Metrics", pb.ArtifactType.METRICS),
    ("Config", 0),
    ("Environment", 0),
]
EXECUTION_TYPES = [
    ("Ingest", pb.ExecutionType.PROCESS),
    ("StatisticsGen", pb.ExecutionType.PROCESS),
    ("Transform", pb.ExecutionType.TRANSFORM),
    ("Trainer", pb.ExecutionType.TRAIN),
    ("Evaluator", pb.ExecutionType.EVALUATE),
    ("Pusher", pb.ExecutionType.DEPLOY),
]


@dataclass
class _Builder:
    rng: random.Random
    graph: Any = field(default_factory=pb.LineageGraph)
    next_artifact: int = 1
    next_execution: int = 1
    clock: int = _T0
    types: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, (name, base) in enumerate(ARTIFACT_TYPES, start=1):
            self.graph.artifact_types.add(id=i, name=name, base_type=base)
            self.types[name] = i
        for i, (name, base) in enumerate(EXECUTION_TYPES, start=101):
            self.graph.execution_types.add(id=i, name=name, base_type=base)
            self.types[name] = i
        self.graph.context_types.add(id=201, name="Pipeline")
        self.graph.context_types.add(id=202, name="PipelineRun")
        self.graph.context_types.add(id=203, name="Experiment")

    def tick(self) -> int:
        self.clock += self.rng.randint(1_000, 600_000)
        return self.clock

    def artifact(self, type_name: str, name: str, uri: str, version: int | None = None) -> int:
        a = self.graph.artifacts.add(
            id=self.next_artifact,
            type_id=self.types[type_name],
            name=name,
            uri=uri,
            state=pb.Artifact.LIVE,
        )
        self.next_artifact += 1
        a.create_time_since_epoch = a.last_update_time_since_epoch = self.tick()
        digest = hashlib.sha256(f"{uri}:{self.rng.random()}".encode()).hexdigest()
        a.custom_properties["fingerprint"].string_value = f"sha256:{digest}"
        if version is not None:
            a.custom_properties["version"].int_value = version
        return int(a.id)

    def execution(
        self,
        type_name: str,
        name: str,
        inputs: list[tuple[int, str]],
        state: int = pb.Execution.COMPLETE,
    ) -> int:
        x = self.graph.executions.add(
            id=self.next_execution,
            type_id=self.types[type_name],
            name=name,
            last_known_state=state,
        )
        self.next_execution += 1
        start = self.tick()
        x.create_time_since_epoch = start
        x.custom_properties["run.start_time"].int_value = start
        end = start + self.rng.randint(2_000, 3_600_000)
        x.custom_properties["run.end_time"].int_value = end
        x.last_update_time_since_epoch = end
        if state == pb.Execution.FAILED:
            x.custom_properties["run.error_type"].string_value = "OutOfMemoryError"
        for artifact_id, key in inputs:
            self.event(artifact_id, int(x.id), pb.Event.INPUT, key)
        return int(x.id)

    def event(self, artifact_id: int, execution_id: int, kind: int, key: str) -> None:
        e = self.graph.events.add(
            artifact_id=artifact_id,
            execution_id=execution_id,
            type=kind,
            milliseconds_since_epoch=self.clock,
        )
        if key:
            e.path.steps.add(key=key)

    def output(self, execution_id: int, type_name: str, name: str, uri: str, key: str) -> int:
        artifact_id = self.artifact(type_name, name, uri)
        self.event(artifact_id, execution_id, pb.Event.OUTPUT, key)
        return artifact_id

    def size(self) -> int:
        return len(self.graph.artifacts) + len(self.graph.executions)


def pipeline_graph(nodes: int = 500, seed: int = 7) -> Any:
    """A pipeline-shaped ``LineageGraph`` with about ``nodes`` artifacts and executions.

    Args:
        nodes: The size to stop at (the last run is finished, so a few more may be made).
        seed: The random seed; the same arguments always give the same graph.

    Returns:
        The ``LineageGraph`` (artifacts, executions, events with paths, types, contexts,
        attributions and associations).
    """
    rng = random.Random(seed)
    b = _Builder(rng)
    g = b.graph
    pipeline = g.contexts.add(id=1, type_id=201, name="churn")
    context_id = 2
    envs = [
        b.artifact("Environment", f"py3.{11 + i}-cuda12", f"env://{i}", version=i + 1)
        for i in range(2)
    ]
    configs = [
        b.artifact("Config", f"train-{k}.yaml", f"git://configs/train-{k}.yaml", version=1)
        for k in ("small", "base", "large")
    ]
    schema = b.artifact("Schema", "schema", "s3://lake/churn/schema.pbtxt", version=1)
    raw_versions: list[int] = []
    run = 0
    while b.size() < nodes:
        run += 1
        if run == 1 or rng.random() < 0.25:
            raw_versions.append(
                b.artifact(
                    "Dataset",
                    "raw",
                    f"s3://lake/churn/raw/v{len(raw_versions) + 1}.csv",
                    version=len(raw_versions) + 1,
                )
            )
        raw = raw_versions[-1]
        ctx = g.contexts.add(id=context_id, type_id=202, name=f"churn-run-{run:04d}")
        context_id += 1
        g.parent_contexts.add(child_id=ctx.id, parent_id=pipeline.id)
        first_execution = b.next_execution
        first_artifact = b.next_artifact
        ingest = b.execution("Ingest", f"ingest-{run}", [(raw, "source")])
        examples = b.output(
            ingest, "Examples", f"examples-{run}", f"s3://lake/churn/examples/{run}", "examples"
        )
        stats_gen = b.execution("StatisticsGen", f"stats-{run}", [(examples, "examples")])
        b.output(stats_gen, "Statistics", f"stats-{run}", f"s3://lake/churn/stats/{run}", "stats")
        transform = b.execution(
            "Transform", f"transform-{run}", [(examples, "examples"), (schema, "schema")]
        )
        transformed = b.output(
            transform,
            "Examples",
            f"transformed-{run}",
            f"s3://lake/churn/transformed/{run}",
            "transformed_examples",
        )
        sweep = 24 if run % 17 == 5 else 1
        for trial in range(sweep):
            failed = rng.random() < 0.06
            suffix = f"{run}" if sweep == 1 else f"{run}-t{trial:02d}"
            trainer = b.execution(
                "Trainer",
                f"train-{suffix}",
                [
                    (transformed, "examples"),
                    (rng.choice(configs), "config"),
                    (envs[0] if run % 3 else envs[1], "environment"),
                ],
                state=pb.Execution.FAILED if failed else pb.Execution.COMPLETE,
            )
            if failed:
                continue
            model = b.output(
                trainer, "Model", f"churn-model-{suffix}", f"s3://models/churn/{suffix}", "model"
            )
            if sweep > 1 and trial % 6:
                continue
            evaluator = b.execution(
                "Evaluator", f"eval-{suffix}", [(model, "model"), (examples, "examples")]
            )
            metrics = b.output(
                evaluator, "Metrics", f"eval-{suffix}", f"s3://metrics/churn/{suffix}", "metrics"
            )
            if rng.random() < 0.5:
                running = rng.random() < 0.1
                b.execution(
                    "Pusher",
                    f"push-{suffix}",
                    [(model, "model"), (metrics, "blessing")],
                    state=pb.Execution.RUNNING if running else pb.Execution.COMPLETE,
                )
        for execution_id in range(first_execution, b.next_execution):
            g.associations.add(execution_id=execution_id, context_id=ctx.id)
        for artifact_id in range(first_artifact, b.next_artifact):
            g.attributions.add(artifact_id=artifact_id, context_id=ctx.id)
    return g
