"""What an audit dossier gathers, on every backend (before and after an erasure)."""

from __future__ import annotations

from typing import Any

import pytest

from lineage import erasure, errors
from lineage.proto import metadata_store_pb2 as pb
from lineage.report import audit, subject_digest
from tests.report.scenario import T0, Clinic, record_clinic

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


@pytest.fixture
def clinic(store: Any) -> Clinic:
    return record_clinic(store)


def test_identity_and_steps_in_run_order(store: Any, clinic: Clinic) -> None:
    d = audit(store, f"artifact:{clinic.model}")
    m = d.model
    assert (m.key, m.type, m.kind, m.name, m.uri) == (
        f"artifact:{clinic.model}",
        "Model",
        "model",
        "risk.pkl@a665a45920",
        "/models/risk.pkl",
    )
    assert m.fingerprint == "sha256:" + "a6" * 32
    assert (m.version, m.size_bytes, m.state, m.erasure) == (1, 2048, "LIVE", None)
    assert "fingerprint" not in m.properties  # shown in its own field
    assert [(s.key, s.name, s.state, s.user, s.host) for s in d.steps] == [
        (f"execution:{clinic.prep}", "prep-1", "COMPLETE", "dana", "ws-7"),
        (f"execution:{clinic.train}", "train-1", "COMPLETE", "erin", "ws-7"),
    ]
    prep, train = d.steps
    assert (prep.started, prep.ended) == ("2026-01-05T09:00:00.000Z", "2026-01-05T09:04:00.000Z")
    assert train.parameters == {"epochs": 5, "lr": 0.1}
    assert train.code is not None
    assert train.code["commit"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    assert train.code["entry_point"] == "train-1.py"
    assert train.inputs == tuple(
        sorted(f"artifact:{i}" for i in (clinic.features, clinic.env, clinic.config))
    )


def test_inputs_carry_fingerprints_and_personal_data_tags(store: Any, clinic: Clinic) -> None:
    d = audit(store, clinic.model)
    by_key = {i.key: i for i in d.inputs}
    assert set(by_key) == {
        f"artifact:{i}"
        for i in (clinic.features, clinic.patients, clinic.alice_extra, clinic.vocab)
    }
    patients = by_key[f"artifact:{clinic.patients}"]
    assert patients.fingerprint == "sha256:" + "9f" * 32
    assert (patients.version, patients.size_bytes, patients.root) == (1, 52_311, True)
    assert (patients.pii, patients.license) == (True, "proprietary")
    # Subjects are hashes by default: a dossier can be handed on without naming people.
    assert patients.subjects == tuple(sorted([subject_digest("alice"), subject_digest("bob")]))
    assert patients.produced_by is None
    assert patients.consumed_by == (f"execution:{clinic.prep}",)
    vocab = by_key[f"artifact:{clinic.vocab}"]
    assert (vocab.pii, vocab.license, vocab.subjects) == (False, "CC-BY-4.0", ())
    features = by_key[f"artifact:{clinic.features}"]
    assert (features.root, features.produced_by) == (False, f"execution:{clinic.prep}")
    assert features.pii is None  # not recorded
    revealed = audit(store, clinic.model, reveal_subjects=True)
    assert {i.key: i.subjects for i in revealed.inputs}[patients.key] == ("alice", "bob")


def test_environment_config_contexts_and_what_is_missing(store: Any, clinic: Clinic) -> None:
    d = audit(store, clinic.model)
    [env] = d.environments
    assert env.key == f"artifact:{clinic.env}"
    assert (env.python_version, env.python_implementation, env.platform) == (
        "3.11.7",
        "CPython",
        "Linux-6.1-x86_64",
    )
    assert env.packages == {"numpy": "2.1.0", "scikit-learn": "1.5.2"}
    assert env.used_by == (f"execution:{clinic.train}",)
    [config] = d.configs
    assert (config.uri, config.values) == ("/cfg/train.yaml", {"epochs": 5.0, "lr": 0.1})
    assert d.missing == ()  # everything was recorded
    assert d.erasures.receipts == ()
    assert d.erasures.markers == ()


def test_evaluations_and_metrics(store: Any, clinic: Clinic) -> None:
    d = audit(store, clinic.model)
    assert [(e.key, e.name, e.state, e.user) for e in d.evaluations] == [
        (f"execution:{clinic.evaluate}", "evaluate-1", "COMPLETE", "erin"),
        (f"execution:{clinic.evaluate_failed}", "evaluate-2", "FAILED", "frank"),
    ]
    [output] = d.evaluations[0].outputs
    assert (output.key, output.kind, output.metrics) == (
        f"artifact:{clinic.metrics}",
        "metrics",
        {"accuracy": 0.875, "auc": 0.91},
    )
    assert d.evaluations[1].outputs == ()
    assert [(x.name, x.value, x.source, x.via) for x in d.metrics] == [
        ("train_loss", 0.25, f"execution:{clinic.train}", "step"),
        ("accuracy", 0.875, f"artifact:{clinic.metrics}", "evaluation"),
        ("auc", 0.91, f"artifact:{clinic.metrics}", "evaluation"),
    ]
    # The diagram covers the upstream lineage and the evaluations.
    assert d.lineage.artifacts == 8
    assert d.lineage.executions == 4
    assert d.focus == (f"artifact:{clinic.model}",)


def test_erasures_that_affected_the_model(store: Any, clinic: Clinic) -> None:
    plan = erasure.plan(store, "subject:alice", reason="GDPR art. 17 #12", requested_by="dpo")
    receipt = erasure.apply(store, plan)
    d = audit(store, clinic.model)
    [record] = d.erasures.receipts
    assert record.key == receipt.receipt
    assert (record.erasure_id, record.requested_by, record.reason) == (
        plan.erasure_id,
        "dpo",
        "GDPR art. 17 #12",
    )
    assert record.plan_sha256 == plan.sha256()
    assert record.targets == f"subject {subject_digest('alice')}"
    assert set(record.tombstoned) == {
        f"artifact:{i}" for i in (clinic.patients, clinic.alice_extra, clinic.features)
    }
    assert set(record.review) == {f"artifact:{clinic.model}", f"artifact:{clinic.metrics}"}
    assert d.model.erasure is not None
    assert (d.model.erasure.action, d.model.erasure.erasure_id) == ("review", plan.erasure_id)
    markers = {k.key: k.action for k in d.erasures.markers}
    assert markers == {
        f"artifact:{clinic.model}": "review",
        f"artifact:{clinic.patients}": "tombstoned",
        f"artifact:{clinic.alice_extra}": "tombstoned",
        f"artifact:{clinic.features}": "tombstoned",
    }
    by_key = {i.key: i for i in d.inputs}
    patients = by_key[f"artifact:{clinic.patients}"]
    assert (patients.name, patients.uri, patients.fingerprint, patients.pii) == (
        None,
        None,
        None,
        None,
    )
    assert patients.erasure is not None
    assert patients.erasure.action == "tombstoned"
    assert patients.state == "DELETED"
    # The gap a tombstone leaves is said to come from the erasure.
    assert any(patients.key in line and plan.erasure_id in line for line in d.missing), d.missing
    # Erasure markers are not metrics, and the receipt is not an evaluation.
    assert "erasure.time" not in {x.name for x in d.metrics}
    assert [e.type for e in d.evaluations] == ["evaluate", "evaluate"]
    [output] = d.evaluations[0].outputs
    assert output.erasure is not None
    assert output.erasure.action == "review"


def test_an_erasure_elsewhere_is_not_listed(store: Any, clinic: Clinic) -> None:
    ds = store.get_artifact_type("Dataset").id
    [unrelated] = store.put_artifacts(
        [pb.Artifact(type_id=ds, uri="/data/unrelated.csv", name="unrelated")]
    )
    tagged = pb.Artifact(id=unrelated)
    tagged.custom_properties["subject.zoe"].bool_value = True
    store.put_artifacts([tagged], field_mask_paths=["custom_properties.subject.zoe"])
    erasure.apply(store, erasure.plan(store, "subject:zoe", reason="r"))
    d = audit(store, clinic.model)
    assert d.erasures.receipts == ()
    assert d.erasures.markers == ()


def test_bad_input(store: Any, clinic: Clinic) -> None:
    with pytest.raises(errors.InvalidArgumentError, match="one artifact"):
        audit(store, f"execution:{clinic.train}")
    with pytest.raises(errors.NotFoundError):
        audit(store, "Model:no-such-model")


def test_times_are_iso_utc(store: Any, clinic: Clinic) -> None:
    d = audit(store, clinic.model)
    assert d.evaluations[0].started == "2026-01-05T10:00:00.000Z"
    assert T0 % 1000 == 0
    assert d.generated.endswith("Z")
    assert "T" in d.generated
