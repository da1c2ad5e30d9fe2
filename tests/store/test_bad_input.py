"""Bad input: the MLMD error class, a message naming the field, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from tests.store.helpers import Pipeline, record_pipeline, snapshot

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def _artifact(p: Pipeline, **props: Any) -> Any:
    a = pb.Artifact(type_id=p.dataset_type, uri="/data/new.csv")
    for name, value in props.items():
        if isinstance(value, bool):
            a.properties[name].bool_value = value
        elif isinstance(value, int):
            a.properties[name].int_value = value
        elif isinstance(value, float):
            a.properties[name].double_value = value
        else:
            a.properties[name].string_value = value
    return a


def _event(artifact_id: int, execution_id: int, etype: int = pb.Event.INPUT) -> Any:
    return pb.Event(artifact_id=artifact_id, execution_id=execution_id, type=etype)


Call = Callable[[Any, Pipeline], object]

CASES: list[tuple[str, Call, type[Exception], str]] = [
    (
        "wrong property kind",
        lambda s, p: s.put_artifacts([_artifact(p, span="one")]),
        errors.InvalidArgumentError,
        "properties['span']: Found unmatched property type: span (declared INT, got STRING)",
    ),
    (
        "unknown property",
        lambda s, p: s.put_artifacts([_artifact(p, spam=1)]),
        errors.InvalidArgumentError,
        "properties['spam']: Found unknown property: spam",
    ),
    (
        "empty property value",
        lambda s, p: s.put_artifacts(
            [pb.Artifact(type_id=p.dataset_type, properties={"span": pb.Value()})]
        ),
        errors.InvalidArgumentError,
        "properties['span']",
    ),
    (
        "second artifact of a batch is bad",
        lambda s, p: s.put_artifacts([_artifact(p, span=2), _artifact(p, span=2.5)]),
        errors.InvalidArgumentError,
        "Artifact[1].properties['span']",
    ),
    (
        "missing type id",
        lambda s, p: s.put_artifacts([pb.Artifact(uri="/x")]),
        errors.InvalidArgumentError,
        "Artifact[0].type_id: Type id is missing",
    ),
    (
        "unknown type id",
        lambda s, p: s.put_artifacts([pb.Artifact(type_id=9999, uri="/x")]),
        errors.NotFoundError,
        "type_id: Cannot find type for type_id 9999",
    ),
    (
        "type id of another kind",
        lambda s, p: s.put_executions([pb.Execution(type_id=p.dataset_type)]),
        errors.NotFoundError,
        "Cannot find type for type_id {dataset_type}",
    ),
    (
        "duplicate artifact name in a type",
        lambda s, p: s.put_artifacts([pb.Artifact(type_id=p.dataset_type, name="train")]),
        errors.AlreadyExistsError,
        "Artifact.name 'train' already exists for type_id",
    ),
    (
        "duplicate name inside one batch",
        lambda s, p: s.put_artifacts(
            [
                pb.Artifact(type_id=p.dataset_type, name="x"),
                pb.Artifact(type_id=p.dataset_type, name="x"),
            ]
        ),
        errors.AlreadyExistsError,
        "Artifact.name 'x' appears twice",
    ),
    (
        "duplicate context name",
        lambda s, p: s.put_contexts([pb.Context(type_id=p.run_type, name="run-1")]),
        errors.AlreadyExistsError,
        "Context.name 'run-1' already exists",
    ),
    (
        "duplicate external id",
        lambda s, p: s.put_artifacts(
            [
                pb.Artifact(type_id=p.dataset_type, external_id="e"),
                pb.Artifact(type_id=p.model_type, external_id="e"),
            ]
        ),
        errors.AlreadyExistsError,
        "external_id 'e' appears twice",
    ),
    (
        "empty context name",
        lambda s, p: s.put_contexts([pb.Context(type_id=p.run_type)]),
        errors.InvalidArgumentError,
        "Context[0].name: Context name should not be empty",
    ),
    (
        "update of an unknown id",
        lambda s, p: s.put_artifacts([pb.Artifact(id=4242, type_id=p.dataset_type)]),
        errors.InvalidArgumentError,
        "Cannot find the given id 4242",
    ),
    (
        "update that changes the type",
        lambda s, p: s.put_artifacts([pb.Artifact(id=p.data, type_id=p.model_type)]),
        errors.InvalidArgumentError,
        "a node's type cannot change",
    ),
    (
        "event to a missing artifact",
        lambda s, p: s.put_events([_event(7777, p.train)]),
        errors.InvalidArgumentError,
        "Event.artifact_id: no artifact with id 7777 exists",
    ),
    (
        "event to a missing execution",
        lambda s, p: s.put_events([_event(p.data, 7777)]),
        errors.InvalidArgumentError,
        "Event.execution_id: no execution with id 7777 exists",
    ),
    (
        "event without type",
        lambda s, p: s.put_events([pb.Event(artifact_id=p.data, execution_id=p.train)]),
        errors.InvalidArgumentError,
        "Event[0].type",
    ),
    (
        "duplicate event",
        lambda s, p: s.put_events([_event(p.data, p.train)]),
        errors.AlreadyExistsError,
        "already exists; events are insert-only",
    ),
    (
        "put_execution with a bad output artifact",
        lambda s, p: s.put_execution(
            pb.Execution(type_id=p.trainer_type),
            [(_artifact(p, span="x"), pb.Event(type=pb.Event.OUTPUT))],
            [pb.Context(type_id=p.run_type, name="run-2")],
        ),
        errors.InvalidArgumentError,
        "Found unmatched property type: span",
    ),
    (
        "put_execution event disagreeing with its artifact",
        lambda s, p: s.put_execution(
            pb.Execution(type_id=p.trainer_type),
            [(pb.Artifact(id=p.data), pb.Event(type=pb.Event.INPUT, artifact_id=p.model))],
            [],
        ),
        errors.InvalidArgumentError,
        "artifact_and_events[0].event.artifact_id",
    ),
    (
        "put_execution creating an existing context",
        lambda s, p: s.put_execution(
            pb.Execution(type_id=p.trainer_type), [], [pb.Context(type_id=p.run_type, name="run-1")]
        ),
        errors.AlreadyExistsError,
        "Context.name 'run-1' already exists",
    ),
    (
        "put_lineage_subgraph index out of range",
        lambda s, p: s.put_lineage_subgraph(
            [pb.Execution(type_id=p.trainer_type)], [], [], [(0, 3, pb.Event(type=pb.Event.OUTPUT))]
        ),
        errors.OutOfRangeError,
        "event_edges[0].artifact_index 3",
    ),
    (
        "attribution to a missing context",
        lambda s, p: s.put_attributions_and_associations(
            [pb.Attribution(artifact_id=p.data, context_id=999)], []
        ),
        errors.InvalidArgumentError,
        "Attribution.context_id: no context with id 999",
    ),
    (
        "self parent context",
        lambda s, p: s.put_parent_contexts([pb.ParentContext(child_id=p.run, parent_id=p.run)]),
        errors.InvalidArgumentError,
        "cannot be its own parent",
    ),
    (
        "parent context cycle",
        lambda s, p: s.put_parent_contexts(
            [pb.ParentContext(child_id=p.pipeline, parent_id=p.run)]
        ),
        errors.InvalidArgumentError,
        "cycle",
    ),
    (
        "duplicate parent context",
        lambda s, p: s.put_parent_contexts(
            [pb.ParentContext(child_id=p.run, parent_id=p.pipeline)]
        ),
        errors.AlreadyExistsError,
        "already exists",
    ),
    (
        "incompatible type re-registration",
        lambda s, p: s.put_artifact_type(
            pb.ArtifactType(name="Dataset", properties={"span": pb.STRING})
        ),
        errors.AlreadyExistsError,
        "property 'span' of type INT; the request declares STRING",
    ),
    (
        "type with an UNKNOWN property",
        lambda s, p: s.put_artifact_type(pb.ArtifactType(name="Bad", properties={"x": pb.UNKNOWN})),
        errors.InvalidArgumentError,
        "property 'x' is declared with type UNKNOWN",
    ),
    (
        "type without a name",
        lambda s, p: s.put_execution_type(pb.ExecutionType()),
        errors.InvalidArgumentError,
        "No type name is specified",
    ),
    (
        "base type change",
        lambda s, p: s.put_artifact_type(
            pb.ArtifactType(
                name="Dataset",
                properties={"span": pb.INT, "split": pb.STRING},
                base_type=pb.ArtifactType.MODEL,
            )
        ),
        errors.UnimplementedError,
        "base_type update is not supported",
    ),
    (
        "malformed filter query",
        lambda s, p: s.get_artifacts(
            list_options=__import__("lineage").ListOptions(filter_query="uri = ")
        ),
        errors.InvalidArgumentError,
        "Invalid `filter_query`",
    ),
    (
        "negative limit",
        lambda s, p: s.get_artifacts(list_options=__import__("lineage").ListOptions(limit=-1)),
        errors.InvalidArgumentError,
        "limit",
    ),
    (
        "not a proto",
        lambda s, p: s.put_artifacts(["/data/file.csv"]),
        errors.InvalidArgumentError,
        "artifacts[0] must be an ml_metadata.Artifact, got str",
    ),
    (
        "not an integer id",
        lambda s, p: s.get_artifacts_by_id(["1"]),
        errors.InvalidArgumentError,
        "artifact_ids[0] must be an integer id",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_raises_mlmd_error_naming_the_field_and_writes_nothing(
    store: Any, call: Call, error: type[Exception], fragment: str
) -> None:
    p = record_pipeline(store)
    before = snapshot(store)
    with pytest.raises(error) as raised:
        call(store, p)
    assert fragment.format(dataset_type=p.dataset_type) in str(raised.value)
    assert snapshot(store) == before


def test_errors_are_lineage_errors_with_mlmd_codes(store: Any) -> None:
    with pytest.raises(errors.NotFoundError) as raised:
        store.get_artifact_type("nope")
    assert isinstance(raised.value, errors.LineageError)
    assert raised.value.error_code == errors.NOT_FOUND
    assert "No ArtifactType found with name 'nope'" in raised.value.message
