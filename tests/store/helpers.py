"""Helpers for store tests: a small pipeline, and a full snapshot of a database's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lineage.proto import metadata_store_pb2 as pb

#: One property of every kind, for types whose nodes exercise every value column.
EVERY_KIND = {
    "i": pb.INT,
    "d": pb.DOUBLE,
    "s": pb.STRING,
    "st": pb.STRUCT,
    "p": pb.PROTO,
    "b": pb.BOOLEAN,
}


def snapshot(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal snapshots mean nothing was written."""
    from tests.conftest import local_view

    out: dict[str, list[tuple[Any, ...]]] = {}
    with local_view(store) as local:
        backend = local._backend
        with backend.transaction(write=False) as tx:
            for table in backend.tables.all():
                rows = tx.adhoc(sa.select(table))
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@dataclass
class Pipeline:
    """Ids of a small recorded pipeline: data -> train -> model -> evaluate -> metrics."""

    dataset_type: int
    model_type: int
    metrics_type: int
    trainer_type: int
    evaluator_type: int
    run_type: int
    pipeline_type: int
    data: int
    model: int
    metrics: int
    train: int
    evaluate: int
    run: int
    pipeline: int


def record_pipeline(store: Any) -> Pipeline:
    """Record a small pipeline through the public API and return its ids."""
    dataset_type = store.put_artifact_type(
        pb.ArtifactType(
            name="Dataset",
            properties={"span": pb.INT, "split": pb.STRING},
            base_type=pb.ArtifactType.DATASET,
        )
    )
    model_type = store.put_artifact_type(
        pb.ArtifactType(
            name="Model", properties={"framework": pb.STRING}, base_type=pb.ArtifactType.MODEL
        )
    )
    metrics_type = store.put_artifact_type(
        pb.ArtifactType(
            name="Metrics", properties={"auc": pb.DOUBLE}, base_type=pb.ArtifactType.METRICS
        )
    )
    trainer_type = store.put_execution_type(
        pb.ExecutionType(
            name="Trainer", properties={"epochs": pb.INT}, base_type=pb.ExecutionType.TRAIN
        )
    )
    evaluator_type = store.put_execution_type(
        pb.ExecutionType(name="Evaluator", base_type=pb.ExecutionType.EVALUATE)
    )
    run_type = store.put_context_type(pb.ContextType(name="PipelineRun"))
    pipeline_type = store.put_context_type(pb.ContextType(name="Pipeline"))
    [pipeline] = store.put_contexts([pb.Context(type_id=pipeline_type, name="churn")])
    data = pb.Artifact(
        type_id=dataset_type, uri="/data/train.csv", name="train", state=pb.Artifact.LIVE
    )
    data.properties["span"].int_value = 1
    data.properties["split"].string_value = "train"
    [data_id] = store.put_artifacts([data])
    run = pb.Context(type_id=run_type, name="run-1")
    train = pb.Execution(
        type_id=trainer_type, name="train-1", last_known_state=pb.Execution.COMPLETE
    )
    train.properties["epochs"].int_value = 3
    model = pb.Artifact(type_id=model_type, uri="/models/m1", name="m1", state=pb.Artifact.LIVE)
    model.properties["framework"].string_value = "sklearn"
    input_event = pb.Event(type=pb.Event.INPUT)
    input_event.path.steps.add().key = "examples"
    output_event = pb.Event(type=pb.Event.OUTPUT)
    output_event.path.steps.add().key = "model"
    output_event.path.steps.add().index = 0
    # put_execution replaces stored artifacts it is given (MLMD semantics): pass them whole.
    [stored_data] = store.get_artifacts_by_id([data_id])
    train_id, (_, model_id), [run_id] = store.put_execution(
        train, [(stored_data, input_event), (model, output_event)], [run]
    )
    evaluate = pb.Execution(
        type_id=evaluator_type, name="eval-1", last_known_state=pb.Execution.COMPLETE
    )
    metrics = pb.Artifact(type_id=metrics_type, uri="/metrics/m1.json", name="m1-metrics")
    metrics.properties["auc"].double_value = 0.91
    eval_id, (_, metrics_id), _ = store.put_execution(
        evaluate,
        [
            (store.get_artifacts_by_id([model_id])[0], pb.Event(type=pb.Event.INPUT)),
            (metrics, pb.Event(type=pb.Event.OUTPUT)),
        ],
        [pb.Context(id=run_id)],
        force_reuse_context=True,
    )
    store.put_parent_contexts([pb.ParentContext(child_id=run_id, parent_id=pipeline)])
    return Pipeline(
        dataset_type=dataset_type,
        model_type=model_type,
        metrics_type=metrics_type,
        trainer_type=trainer_type,
        evaluator_type=evaluator_type,
        run_type=run_type,
        pipeline_type=pipeline_type,
        data=data_id,
        model=model_id,
        metrics=metrics_id,
        train=train_id,
        evaluate=eval_id,
        run=run_id,
        pipeline=pipeline,
    )
