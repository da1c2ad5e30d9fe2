"""Fixtures for graph tests: the demo pipeline and two versions of a training pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lineage import conventions as cv
from lineage.demo import record_demo_pipeline
from lineage.proto import metadata_store_pb2 as pb


@pytest.fixture
def demo(store: Any) -> dict[str, int]:
    """The demo pipeline (ingest → train → evaluate) in the store; artifact ids by name."""
    return record_demo_pipeline(store)


@dataclass
class Versions:
    good: int
    bad: int
    raw_v1: int
    raw_v2: int
    shared_vocab: int


def _struct(value: Any, data: dict[str, Any]) -> Any:
    value.struct_value.update(data)
    return value


def record_two_versions(store: Any) -> Versions:
    """Two runs of prep → train that differ in data version, a parameter, code and a package."""
    dataset = store.put_artifact_type(
        pb.ArtifactType(name="Dataset", base_type=pb.ArtifactType.DATASET)
    )
    model = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=pb.ArtifactType.MODEL))
    env_type = store.put_artifact_type(pb.ArtifactType(name=cv.ENVIRONMENT_TYPE))
    prep = store.put_execution_type(
        pb.ExecutionType(name="Prep", base_type=pb.ExecutionType.TRANSFORM)
    )
    train = store.put_execution_type(
        pb.ExecutionType(name="Trainer", base_type=pb.ExecutionType.TRAIN)
    )
    run_type = store.put_context_type(pb.ContextType(name=cv.PIPELINE_RUN_TYPE))
    [vocab] = store.put_artifacts(
        [pb.Artifact(type_id=dataset, uri="/data/vocab.txt", name="vocab")]
    )
    out = {}
    for version, (fingerprint, lr, commit, sklearn) in enumerate(
        [
            ("sha256:" + "a" * 64, 0.05, "1" * 40, "1.4.0"),
            ("sha256:" + "b" * 64, 0.1, "2" * 40, "1.5.1"),
        ],
        start=1,
    ):
        raw = pb.Artifact(type_id=dataset, uri="/data/raw.csv", name=f"raw-v{version}")
        raw.custom_properties[cv.FINGERPRINT].string_value = fingerprint
        raw.custom_properties[cv.VERSION].int_value = version
        clean = pb.Artifact(
            type_id=dataset, uri=f"/data/clean-{version}.parquet", name=f"clean-v{version}"
        )
        run = pb.Context(type_id=run_type, name=f"run-{version}")
        step = pb.Execution(
            type_id=prep, name=f"prep-{version}", last_known_state=pb.Execution.COMPLETE
        )
        _, (raw_id, clean_id), [run_id] = store.put_execution(
            step,
            [(raw, pb.Event(type=pb.Event.INPUT)), (clean, pb.Event(type=pb.Event.OUTPUT))],
            [run],
        )
        env = pb.Artifact(type_id=env_type, external_id=f"env:{sklearn}")
        env.custom_properties["python_version"].string_value = "3.11.7"
        env.custom_properties["platform"].string_value = "linux-x86_64"
        _struct(env.custom_properties["packages"], {"scikit-learn": sklearn, "numpy": "2.1.0"})
        trainer = pb.Execution(
            type_id=train, name=f"train-{version}", last_known_state=pb.Execution.COMPLETE
        )
        trainer.custom_properties["param.learning_rate"].double_value = lr
        trainer.custom_properties["param.epochs"].int_value = 10
        trainer.custom_properties[cv.CODE_REVISION].string_value = commit
        trainer.custom_properties[cv.CODE_REPOSITORY].string_value = "git@example.org:ml/churn.git"
        trainer.custom_properties[cv.RUN_USER].string_value = "ada"
        trainer.custom_properties["metric.train_loss"].double_value = 0.2 * version
        examples = pb.Event(type=pb.Event.INPUT)
        examples.path.steps.add().key = "examples"
        vocab_event = pb.Event(type=pb.Event.INPUT)
        vocab_event.path.steps.add().key = "vocab"
        env_event = pb.Event(type=pb.Event.INPUT)
        env_event.path.steps.add().key = cv.EVENT_KEY_ENVIRONMENT
        [stored_clean, stored_vocab] = store.get_artifacts_by_id([clean_id, vocab])
        made = pb.Artifact(type_id=model, uri=f"/models/churn-{version}", name=f"churn-v{version}")
        _, ids, _ = store.put_execution(
            trainer,
            [
                (stored_clean, examples),
                (stored_vocab, vocab_event),
                (env, env_event),
                (made, pb.Event(type=pb.Event.OUTPUT)),
            ],
            [pb.Context(id=run_id)],
            force_reuse_context=True,
        )
        out[version] = (raw_id, ids[-1])
    return Versions(
        good=out[1][1], bad=out[2][1], raw_v1=out[1][0], raw_v2=out[2][0], shared_vocab=vocab
    )


@pytest.fixture
def versions(store: Any) -> Versions:
    return record_two_versions(store)
