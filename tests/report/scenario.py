"""A small clinic pipeline recorded the way ``lineage.track`` records runs (by protos, so it is
fast and the same on every backend): personal data with subjects, a licence, fingerprints,
code, parameters, an environment, a config file, metrics and two evaluations (one failed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage import conventions as cv
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["Clinic", "T0", "record_clinic"]

#: 2026-01-05 09:00:00 UTC, in ms since the epoch: when the first step started.
T0 = 1_767_603_600_000


@dataclass(frozen=True)
class Clinic:
    """Artifact and execution ids of the clinic pipeline."""

    patients: int
    alice_extra: int
    vocab: int
    features: int
    env: int
    config: int
    model: int
    metrics: int
    prep: int
    train: int
    evaluate: int
    evaluate_failed: int


def _struct(value: Any, data: dict[str, Any]) -> Any:
    value.struct_value.update(data)
    return value


def _run(execution: Any, user: str, start: int, minutes: int, params: dict[str, Any]) -> Any:
    c = execution.custom_properties
    c[cv.RUN_USER].string_value = user
    c[cv.RUN_HOST].string_value = "ws-7"
    c[cv.RUN_START_TIME].double_value = start
    c[cv.RUN_END_TIME].double_value = start + minutes * 60_000
    for name, value in params.items():
        if isinstance(value, float):
            c[cv.PARAM_PREFIX + name].double_value = value
        else:
            c[cv.PARAM_PREFIX + name].int_value = value
    c[cv.CODE_REPOSITORY].string_value = "git@example.com:clinic/models.git"
    c[cv.CODE_REVISION].string_value = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    c[cv.CODE_BRANCH].string_value = "main"
    c[cv.CODE_DIRTY].bool_value = False
    c[cv.CODE_ENTRY_POINT].string_value = f"{execution.name}.py"
    return execution


def _data(type_id: int, uri: str, name: str, fingerprint: str, size: int) -> Any:
    a = pb.Artifact(type_id=type_id, uri=uri, name=name, state=pb.Artifact.LIVE)
    a.external_id = fingerprint + uri  # unique per artifact
    c = a.custom_properties
    c[cv.FINGERPRINT].string_value = fingerprint
    c[cv.SIZE_BYTES].int_value = size
    c[cv.VERSION].int_value = 1
    return a


def record_clinic(store: Any) -> Clinic:
    """Record prep → train → evaluate (+ a failed evaluation); return the ids."""
    ds = store.put_artifact_type(pb.ArtifactType(name="Dataset", base_type=pb.ArtifactType.DATASET))
    mt = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=pb.ArtifactType.MODEL))
    met = store.put_artifact_type(
        pb.ArtifactType(name="Metrics", base_type=pb.ArtifactType.METRICS)
    )
    env_t = store.put_artifact_type(pb.ArtifactType(name=cv.ENVIRONMENT_TYPE))
    cfg_t = store.put_artifact_type(pb.ArtifactType(name=cv.CONFIG_TYPE))
    prep_t = store.put_execution_type(
        pb.ExecutionType(name="prep", base_type=pb.ExecutionType.PROCESS)
    )
    train_t = store.put_execution_type(
        pb.ExecutionType(name="train", base_type=pb.ExecutionType.TRAIN)
    )
    eval_t = store.put_execution_type(
        pb.ExecutionType(name="evaluate", base_type=pb.ExecutionType.EVALUATE)
    )

    patients = _data(
        ds, "/data/patients.csv", "patients.csv@9f86d081884c", "sha256:" + "9f" * 32, 52_311
    )
    patients.custom_properties[cv.PII].bool_value = True
    patients.custom_properties[cv.LICENSE].string_value = "proprietary"
    patients.custom_properties[cv.SUBJECT_PREFIX + "alice"].bool_value = True
    patients.custom_properties[cv.SUBJECT_PREFIX + "bob"].bool_value = True
    patients.custom_properties["contact"].string_value = "ward-3@clinic.example"
    extra = _data(
        ds, "/data/alice-extra.csv", "alice-extra.csv@1b4f0e9851", "sha256:" + "1b" * 32, 812
    )
    extra.custom_properties[cv.PII].bool_value = True
    extra.custom_properties[cv.SUBJECT_PREFIX + "alice"].bool_value = True
    vocab = _data(
        ds, "s3://public/vocab.txt", "vocab.txt@60303ae22b99", "sha256:" + "60" * 32, 9_001
    )
    vocab.custom_properties[cv.LICENSE].string_value = "CC-BY-4.0"
    vocab.custom_properties[cv.PII].bool_value = False
    features = _data(
        ds, "/data/features.parquet", "features.parquet@fd61a03af4f7", "sha256:" + "fd" * 32, 40_960
    )

    prep = _run(
        pb.Execution(type_id=prep_t, name="prep-1", last_known_state=pb.Execution.COMPLETE),
        "dana",
        T0,
        4,
        {"min_age": 18},
    )
    x_prep, (patients_id, extra_id, vocab_id, features_id), _ = store.put_execution(
        prep,
        [
            (patients, _event(pb.Event.INPUT, cv.EVENT_KEY_INPUTS, 0)),
            (extra, _event(pb.Event.INPUT, cv.EVENT_KEY_INPUTS, 1)),
            (vocab, _event(pb.Event.INPUT, "vocab")),
            (features, _event(pb.Event.OUTPUT, "features")),
        ],
        [],
    )

    env = pb.Artifact(type_id=env_t, name="env-3c9a1f0b7d2e", uri="")
    env.external_id = "env:sha256:" + "3c" * 32
    c = env.custom_properties
    c[cv.ENV_PYTHON_VERSION].string_value = "3.11.7"
    c[cv.ENV_PYTHON_IMPLEMENTATION].string_value = "CPython"
    c[cv.ENV_PLATFORM].string_value = "Linux-6.1-x86_64"
    _struct(c[cv.ENV_PACKAGES], {"numpy": "2.1.0", "scikit-learn": "1.5.2"})
    c[cv.FINGERPRINT].string_value = "sha256:" + "3c" * 32
    config = pb.Artifact(type_id=cfg_t, uri="/cfg/train.yaml", name="train.yaml@5e884898da28")
    config.external_id = "sha256:" + "5e" * 32
    config.custom_properties[cv.FINGERPRINT].string_value = "sha256:" + "5e" * 32
    _struct(config.custom_properties[cv.CONFIG_VALUES], {"lr": 0.1, "epochs": 5})
    model = _data(mt, "/models/risk.pkl", "risk.pkl@a665a45920", "sha256:" + "a6" * 32, 2_048)
    train = _run(
        pb.Execution(type_id=train_t, name="train-1", last_known_state=pb.Execution.COMPLETE),
        "erin",
        T0 + 10 * 60_000,
        30,
        {"lr": 0.1, "epochs": 5},
    )
    train.custom_properties[cv.METRIC_PREFIX + "train_loss"].double_value = 0.25
    [stored_features] = store.get_artifacts_by_id([features_id])
    x_train, (_, env_id, config_id, model_id), _ = store.put_execution(
        train,
        [
            (stored_features, _event(pb.Event.INPUT, "features")),
            (env, _event(pb.Event.INPUT, cv.EVENT_KEY_ENVIRONMENT)),
            (config, _event(pb.Event.INPUT, cv.EVENT_KEY_CONFIG, 0)),
            (model, _event(pb.Event.OUTPUT, "model")),
        ],
        [],
    )
    [stored_model] = store.get_artifacts_by_id([model_id])
    scores = pb.Artifact(type_id=met, uri="/metrics/risk-eval.json", name="risk-eval")
    scores.custom_properties["auc"].double_value = 0.91
    scores.custom_properties["accuracy"].double_value = 0.875
    evaluate = _run(
        pb.Execution(type_id=eval_t, name="evaluate-1", last_known_state=pb.Execution.COMPLETE),
        "erin",
        T0 + 60 * 60_000,
        2,
        {},
    )
    x_eval, (_, metrics_id), _ = store.put_execution(
        evaluate,
        [
            (stored_model, _event(pb.Event.INPUT, "model")),
            (scores, _event(pb.Event.OUTPUT, cv.EVENT_KEY_METRICS)),
        ],
        [],
    )
    failed = _run(
        pb.Execution(type_id=eval_t, name="evaluate-2", last_known_state=pb.Execution.FAILED),
        "frank",
        T0 + 90 * 60_000,
        1,
        {},
    )
    failed.custom_properties[cv.RUN_ERROR_TYPE].string_value = "MemoryError"
    x_failed, _, _ = store.put_execution(
        failed, [(stored_model, _event(pb.Event.INPUT, "model"))], []
    )
    return Clinic(
        patients=patients_id,
        alice_extra=extra_id,
        vocab=vocab_id,
        features=features_id,
        env=env_id,
        config=config_id,
        model=model_id,
        metrics=metrics_id,
        prep=x_prep,
        train=x_train,
        evaluate=x_eval,
        evaluate_failed=x_failed,
    )


def _event(kind: int, name: str, index: int | None = None) -> Any:
    event = pb.Event(type=kind)
    event.path.steps.add().key = name
    if index is not None:
        event.path.steps.add().index = index
    return event
