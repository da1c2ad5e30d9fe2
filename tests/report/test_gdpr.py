"""GDPR reports of data subjects and datasets, before and after erasures, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from lineage import erasure, errors
from lineage.erasure import Target
from lineage.report import gdpr_report, subject_digest
from tests.report.scenario import Clinic, record_clinic

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


@pytest.fixture
def clinic(store: Any) -> Clinic:
    return record_clinic(store)


def keys(*ids: int) -> set[str]:
    return {f"artifact:{i}" for i in ids}


def statuses(report: Any) -> dict[str, str]:
    return {a.key: a.status for a in report.artifacts}


def test_a_subject_before_any_erasure(store: Any, clinic: Clinic) -> None:
    r = gdpr_report(store, "subject:alice")
    assert (r.target.kind, r.target.value, r.target.subject_digest) == (
        "subject",
        "alice",
        subject_digest("alice"),
    )
    assert statuses(r) == dict.fromkeys(
        keys(clinic.patients, clinic.alice_extra, clinic.features, clinic.model, clinic.metrics),
        "active",
    )
    origins = {a.key for a in r.artifacts if a.origin}
    assert origins == keys(clinic.patients, clinic.alice_extra)
    assert [a.key for a in r.models] == [f"artifact:{clinic.model}"]
    by_key = {a.key: a for a in r.artifacts}
    model = by_key[f"artifact:{clinic.model}"]
    assert model.via == (f"execution:{clinic.prep}", f"execution:{clinic.train}")
    assert model.path[0] in origins
    assert model.path[-1] == model.key
    assert model.hops == 4
    assert [x.key for x in r.executions] == [
        f"execution:{i}"
        for i in (clinic.prep, clinic.train, clinic.evaluate, clinic.evaluate_failed)
    ]
    assert [x.user for x in r.executions] == ["dana", "erin", "erin", "frank"]
    assert r.receipts == ()
    assert r.counts == {
        "artifacts": 5,
        "models": 1,
        "executions": 4,
        "active": 5,
        "review": 0,
        "tombstoned": 0,
        "deleted": 0,
    }
    # Bob's records are in the shared extract only: his own extra file is not listed.
    bob = gdpr_report(store, Target.subject("bob"))
    assert f"artifact:{clinic.alice_extra}" not in statuses(bob)
    assert f"artifact:{clinic.model}" in statuses(bob)


def test_a_subject_after_the_erasure(store: Any, clinic: Clinic) -> None:
    plan = erasure.plan(store, "subject:alice", reason="GDPR art. 17 #12", requested_by="dpo")
    receipt = erasure.apply(store, plan)
    # Her subject tags are gone with the tombstones; the receipt still leads to the lineage.
    r = gdpr_report(store, "subject:alice")
    assert statuses(r) == {
        f"artifact:{clinic.patients}": "tombstoned",
        f"artifact:{clinic.alice_extra}": "tombstoned",
        f"artifact:{clinic.features}": "tombstoned",
        f"artifact:{clinic.model}": "review",
        f"artifact:{clinic.metrics}": "review",
    }
    [record] = r.receipts
    assert record.key == receipt.receipt
    assert record.erasure_id == plan.erasure_id
    for a in r.artifacts:
        assert a.erasure is not None
        assert a.erasure.erasure_id == plan.erasure_id
        assert a.receipts == (receipt.receipt,)
    assert {a.key for a in r.artifacts if a.origin} == keys(clinic.patients, clinic.alice_extra)
    patients = next(a for a in r.artifacts if a.key == f"artifact:{clinic.patients}")
    assert (patients.name, patients.uri, patients.state) == (None, None, "DELETED")
    # The receipt is not one of the executions that processed her data.
    assert receipt.receipt not in {x.key for x in r.executions}
    assert r.counts["tombstoned"] == 3
    assert r.counts["review"] == 2
    assert r.counts["active"] == 0


def test_deleted_records_come_from_the_receipt(store: Any, clinic: Clinic) -> None:
    plan = erasure.plan(store, "subject:alice", reason="r", delete_targets=True)
    erasure.apply(store, plan)
    r = gdpr_report(store, "subject:alice")
    found = statuses(r)
    assert found[f"artifact:{clinic.patients}"] == "deleted"
    assert found[f"artifact:{clinic.alice_extra}"] == "deleted"
    assert found[f"artifact:{clinic.features}"] == "tombstoned"
    assert found[f"artifact:{clinic.model}"] == "review"
    deleted = next(a for a in r.artifacts if a.key == f"artifact:{clinic.patients}")
    assert (deleted.type, deleted.kind, deleted.origin) == (None, None, True)
    assert deleted.erasure is not None
    assert deleted.erasure.erasure_id == plan.erasure_id
    # The step that read the deleted records is still named (it wrote what was tombstoned).
    assert f"execution:{clinic.prep}" in {x.key for x in r.executions}
    assert r.counts["deleted"] == 2


def test_a_dataset(store: Any, clinic: Clinic) -> None:
    r = gdpr_report(store, "s3://public/vocab.txt")
    assert r.target.kind == "artifacts"
    assert r.target.subject_digest is None
    assert statuses(r) == dict.fromkeys(
        keys(clinic.vocab, clinic.features, clinic.model, clinic.metrics), "active"
    )
    assert [a.key for a in r.artifacts if a.origin] == [f"artifact:{clinic.vocab}"]
    same = gdpr_report(store, clinic.vocab)
    assert statuses(same) == statuses(r)
    by_name = gdpr_report(store, "Dataset:vocab.txt@60303ae22b99")
    assert statuses(by_name) == statuses(r)
    # After alice's erasure the shared features and model show what happened to them.
    erasure.apply(store, erasure.plan(store, "subject:alice", reason="r"))
    after = statuses(gdpr_report(store, f"artifact:{clinic.vocab}"))
    assert after[f"artifact:{clinic.vocab}"] == "active"
    assert after[f"artifact:{clinic.features}"] == "tombstoned"
    assert after[f"artifact:{clinic.model}"] == "review"


def test_uri_prefix_and_query_targets(store: Any, clinic: Clinic) -> None:
    r = gdpr_report(store, "uri:/data/")
    assert {a.key for a in r.artifacts if a.origin} == keys(
        clinic.patients, clinic.alice_extra, clinic.features
    )
    q = gdpr_report(store, "query:custom_properties.pii.bool_value = true")
    assert {a.key for a in q.artifacts if a.origin} == keys(clinic.patients, clinic.alice_extra)


def test_nothing_found(store: Any, clinic: Clinic) -> None:
    with pytest.raises(errors.NotFoundError, match="no artifact holds the data"):
        gdpr_report(store, "subject:nobody")
    with pytest.raises(errors.NotFoundError):
        gdpr_report(store, "Dataset:missing")
    with pytest.raises(errors.InvalidArgumentError):
        gdpr_report(store, "  ")
    with pytest.raises(errors.InvalidArgumentError):
        gdpr_report(store, "subject:")
