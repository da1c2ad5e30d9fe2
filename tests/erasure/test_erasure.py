"""Erasure plans, application and receipts, on every backend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lineage import conventions as cv
from lineage import erasure, errors
from lineage.erasure import Plan, Target
from lineage.proto import metadata_store_pb2 as pb
from tests.conftest import server_side
from tests.store.helpers import snapshot

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


@dataclass
class People:
    alice: int
    bob: int
    vocab: int
    clean_alice: int
    clean_bob: int
    model: int
    metrics: int
    prep_alice: int
    train: int


def record(store: Any) -> People:
    """Two people's data cleaned separately, a shared vocabulary, one model from both."""
    ds = store.put_artifact_type(pb.ArtifactType(name="Dataset", base_type=pb.ArtifactType.DATASET))
    mt = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=pb.ArtifactType.MODEL))
    met = store.put_artifact_type(
        pb.ArtifactType(name="Metrics", base_type=pb.ArtifactType.METRICS)
    )
    prep = store.put_execution_type(pb.ExecutionType(name="Prep"))
    train = store.put_execution_type(pb.ExecutionType(name="Trainer"))
    evaluate = store.put_execution_type(pb.ExecutionType(name="Evaluator"))

    def person(name: str, email: str) -> Any:
        a = pb.Artifact(type_id=ds, uri=f"s3://lake/users/{name}.csv", name=f"{name}-records")
        a.custom_properties[cv.SUBJECT_PREFIX + name].bool_value = True
        a.custom_properties["email"].string_value = email
        a.custom_properties[cv.PII].bool_value = True
        return a

    [vocab] = store.put_artifacts(
        [pb.Artifact(type_id=ds, uri="s3://lake/vocab.txt", name="vocab")]
    )
    ids = {}
    for name, email in (("alice-liddell", "alice@wonder.land"), ("bob-marley", "bob@jam.example")):
        clean = pb.Artifact(type_id=ds, uri=f"s3://lake/clean/{name}.parquet", name=f"clean-{name}")
        clean.custom_properties["rows"].int_value = 3
        pairs = [
            (person(name, email), pb.Event(type=pb.Event.INPUT)),
            (clean, pb.Event(type=pb.Event.OUTPUT)),
        ]
        if name.startswith("alice"):
            pairs.insert(1, (store.get_artifacts_by_id([vocab])[0], pb.Event(type=pb.Event.INPUT)))
        x, art, _ = store.put_execution(pb.Execution(type_id=prep, name=f"prep-{name}"), pairs, [])
        ids[name] = (art[0], art[-1], x)
    cleans = store.get_artifacts_by_id([ids["alice-liddell"][1], ids["bob-marley"][1]])
    model = pb.Artifact(type_id=mt, uri="s3://models/m1", name="m1")
    t, art, _ = store.put_execution(
        pb.Execution(type_id=train, name="train"),
        [(c, pb.Event(type=pb.Event.INPUT)) for c in cleans]
        + [(model, pb.Event(type=pb.Event.OUTPUT))],
        [],
    )
    [stored_model] = store.get_artifacts_by_id([art[-1]])
    _, evaluated, _ = store.put_execution(
        pb.Execution(type_id=evaluate, name="eval"),
        [
            (stored_model, pb.Event(type=pb.Event.INPUT)),
            (pb.Artifact(type_id=met, uri="s3://m/metrics.json"), pb.Event(type=pb.Event.OUTPUT)),
        ],
        [],
    )
    return People(
        alice=ids["alice-liddell"][0],
        bob=ids["bob-marley"][0],
        vocab=vocab,
        clean_alice=ids["alice-liddell"][1],
        clean_bob=ids["bob-marley"][1],
        model=art[-1],
        metrics=evaluated[-1],
        prep_alice=ids["alice-liddell"][2],
        train=t,
    )


def actions(plan: Plan) -> dict[str, str]:
    return {a.key: a.action for a in plan.actions}


def test_plan_covers_exactly_the_downstream_closure(store: Any) -> None:
    p = record(store)
    plan = erasure.plan(store, Target.subject("alice-liddell"), reason="GDPR art. 17 #1")
    assert actions(plan) == {
        f"artifact:{p.alice}": "tombstone",
        f"artifact:{p.clean_alice}": "tombstone",
        f"artifact:{p.model}": "review",
        f"artifact:{p.metrics}": "review",
        f"execution:{p.prep_alice}": "keep",
        f"execution:{p.train}": "keep",
        f"execution:{p.train + 1}": "keep",
    }
    assert plan.subjects == ("alice-liddell",)
    # Names that carry the subject's id go too: her records, her cleaned data, her prep step.
    assert {a.key for a in plan.actions if a.scrub_name} == {
        f"artifact:{p.alice}",
        f"artifact:{p.clean_alice}",
        f"execution:{p.prep_alice}",
    }


def test_apply_tombstones_marks_reviews_and_records_a_receipt(store: Any) -> None:
    p = record(store)
    plan = erasure.plan(
        store, Target.subject("alice-liddell"), reason="GDPR art. 17 #1", requested_by="dpo"
    )
    receipt = erasure.apply(store, plan)
    assert set(receipt.tombstoned) == {f"artifact:{p.alice}", f"artifact:{p.clean_alice}"}
    assert set(receipt.review) == {f"artifact:{p.model}", f"artifact:{p.metrics}"}
    assert set(receipt.removed) == set(receipt.tombstoned)
    [alice] = store.get_artifacts_by_id([p.alice])
    assert alice.uri == ""
    assert not alice.HasField("name")
    assert alice.state == pb.Artifact.DELETED
    assert set(alice.custom_properties) == {
        cv.ERASURE_ID,
        cv.ERASURE_TIME,
        cv.ERASURE_ACTION,
        cv.ERASURE_REASON,
    }
    assert alice.custom_properties[cv.ERASURE_ID].string_value == plan.erasure_id
    [model] = store.get_artifacts_by_id([p.model])
    assert model.uri == "s3://models/m1"  # to review, not scrubbed
    assert model.custom_properties[cv.ERASURE_ACTION].string_value == "review"
    [bob] = store.get_artifacts_by_id([p.bob])
    assert bob.custom_properties["email"].string_value == "bob@jam.example"
    # Lineage stays connected through the tombstones.
    events = store.get_events_by_artifact_ids([p.alice])
    assert {e.execution_id for e in events} >= {p.prep_alice}
    [execution] = store.get_executions_by_id([int(receipt.receipt.split(":")[1])])
    assert execution.type == cv.ERASURE_TYPE
    assert execution.custom_properties[cv.ERASURE_REQUESTED_BY].string_value == "dpo"
    linked = {e.artifact_id for e in store.get_events_by_execution_ids([execution.id])}
    assert linked == {p.alice, p.clean_alice, p.model, p.metrics}
    assert "alice-liddell" not in execution.custom_properties["erasure.targets"].string_value
    assert json.loads(receipt.to_json())["erasure_id"] == plan.erasure_id
    assert f"| artifact:{p.alice} | tombstoned |" in receipt.to_markdown()


def test_applying_twice_changes_nothing_more(store: Any) -> None:
    record(store)
    plan = erasure.plan(store, Target.subject("alice-liddell"), reason="r")
    first = erasure.apply(store, plan)
    before = snapshot(store)
    second = erasure.apply(store, plan)
    assert second.already_applied
    assert second.receipt == first.receipt
    assert snapshot(store) == before


def test_a_failure_in_the_middle_leaves_nothing_changed(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(store)
    plan = erasure.plan(store, Target.subject("alice-liddell"), reason="r")
    before = snapshot(store)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise errors.InternalError("disk on fire")

    # Remotely the plan is applied inside the server: break the server's store.
    monkeypatch.setattr(server_side(store), "put_execution", broken)
    with pytest.raises(errors.InternalError, match="disk on fire"):
        erasure.apply(store, plan, compact=False)
    assert snapshot(store) == before


def test_refused_when_the_store_changed_under_the_plan(store: Any) -> None:
    p = record(store)
    plan = erasure.plan(store, Target.subject("alice-liddell"), reason="r")
    [clean] = store.get_artifacts_by_id([p.clean_alice])
    x_type = store.get_execution_type("Prep").id
    store.put_execution(
        pb.Execution(type_id=x_type, name="late reader"),
        [(clean, pb.Event(type=pb.Event.INPUT))],
        [],
    )
    before = snapshot(store)
    with pytest.raises(errors.FailedPreconditionError, match="new downstream nodes"):
        erasure.apply(store, plan)
    assert snapshot(store) == before
    plan = erasure.plan(store, Target.subject("alice-liddell"), reason="r")
    [alice] = store.get_artifacts_by_id([p.alice])
    alice.custom_properties["email"].string_value = "changed@example"
    store.put_artifacts([alice])
    with pytest.raises(errors.FailedPreconditionError, match=f"artifact:{p.alice}"):
        erasure.apply(store, plan)


def test_other_targets_and_plan_files(store: Any, tmp_path: Path) -> None:
    p = record(store)
    by_prefix = erasure.plan(store, Target.uri_prefix("s3://lake/users/bob"), reason="r")
    assert by_prefix.by_action("tombstone")[0].key == f"artifact:{p.bob}"
    by_query = erasure.plan(
        store, "query:custom_properties.email.string_value LIKE '%@jam.example'", reason="r"
    )
    assert actions(by_query) == actions(by_prefix)
    by_node = erasure.plan(store, [f"artifact:{p.bob}"], reason="r")
    assert actions(by_node) == actions(by_prefix)
    path = tmp_path / "plan.json"
    by_node.save(path)
    assert Plan.load(path) == by_node
    receipt = erasure.apply(store, Plan.load(path))
    assert receipt.tombstoned


def test_bad_plans_are_refused_clearly(store: Any, tmp_path: Path) -> None:
    record(store)
    with pytest.raises(errors.InvalidArgumentError, match="reason"):
        erasure.plan(store, Target.subject("alice-liddell"), reason=" ")
    with pytest.raises(errors.NotFoundError, match="match no artifact"):
        erasure.plan(store, Target.subject("nobody"), reason="r")
    with pytest.raises(errors.InvalidArgumentError, match="empty URI prefix"):
        erasure.plan(store, Target.uri_prefix(""), reason="r")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(errors.InvalidArgumentError, match="not an erasure plan"):
        Plan.load(tmp_path / "bad.json")


def test_delete_mode_removes_the_targets_and_tombstones_the_rest(store: Any) -> None:
    p = record(store)
    plan = erasure.plan(store, Target.subject("bob-marley"), reason="r", delete_targets=True)
    receipt = erasure.apply(store, plan)
    assert receipt.deleted == (f"artifact:{p.bob}",)
    assert store.get_artifacts_by_id([p.bob]) == []
    assert receipt.removed[f"artifact:{p.bob}"].startswith("sha256:")
    [clean] = store.get_artifacts_by_id([p.clean_bob])
    assert clean.state == pb.Artifact.DELETED


def test_erased_strings_are_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    import lineage

    path = tmp_path / "people.db"
    with lineage.MetadataStore(str(path)) as store:
        record(store)
        erasure.apply(store, erasure.plan(store, Target.subject("alice-liddell"), reason="r"))
    files = [f for f in tmp_path.iterdir() if f.name.startswith("people.db")]
    data = b"".join(f.read_bytes() for f in files)
    for erased in (
        b"alice@wonder.land",
        b"alice-liddell",
        b"s3://lake/users/alice",
        b"clean/alice",
    ):
        assert erased not in data, erased
    assert b"bob@jam.example" in data  # the other person's data is still there


def test_other_subjects_keep_their_tags_on_a_shared_tombstone(store: Any) -> None:
    p = record(store)
    [alice] = store.get_artifacts_by_id([p.alice])
    alice.custom_properties[cv.SUBJECT_PREFIX + "carol"].bool_value = True  # carol is in it too
    store.put_artifacts([alice])
    erasure.apply(store, erasure.plan(store, Target.subject("alice-liddell"), reason="r"))
    [tomb] = store.get_artifacts_by_id([p.alice])
    assert cv.SUBJECT_PREFIX + "alice-liddell" not in tomb.custom_properties
    assert tomb.custom_properties[cv.SUBJECT_PREFIX + "carol"].bool_value
    later = erasure.plan(store, Target.subject("carol"), reason="carol's request")
    assert later.by_action("tombstone")[0].key == f"artifact:{p.alice}"
