"""``lineage.store.naming``: resolving node references on every backend."""

from __future__ import annotations

import dataclasses
import pickle
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store.naming import AmbiguousNodeError, NodeRef, format_node_ref, resolve_node

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

ODD_NAME = "o'brien\\x \"%_"


@dataclass
class Nodes:
    """Ids of the nodes :func:`nodes` records."""

    train_data: int
    eval_a: int
    eval_b: int
    churn: int
    odd: int
    trainer: int
    run: int


@pytest.fixture
def nodes(store: Any) -> Nodes:
    """A few nodes whose names collide on purpose (see each test)."""
    dataset = store.put_artifact_type(pb.ArtifactType(name="Dataset"))
    model = store.put_artifact_type(pb.ArtifactType(name="Model"))
    trainer = store.put_execution_type(pb.ExecutionType(name="Trainer"))
    run = store.put_context_type(pb.ContextType(name="PipelineRun"))
    ids = store.put_artifacts(
        [
            pb.Artifact(type_id=dataset, name="train", uri="s3://data/train"),
            pb.Artifact(type_id=dataset, name="eval-a", uri="s3://data/shared"),
            pb.Artifact(type_id=dataset, name="eval-b", uri="s3://data/shared"),
            pb.Artifact(type_id=model, name="churn", uri="s3://models/churn"),
            pb.Artifact(type_id=model, name=ODD_NAME, uri="/tmp/odd"),
        ]
    )
    [execution] = store.put_executions([pb.Execution(type_id=trainer, name="train")])
    [context] = store.put_contexts([pb.Context(type_id=run, name="run:2024-01")])
    return Nodes(*ids, trainer=execution, run=context)


def test_id_forms(store: Any, nodes: Nodes) -> None:
    artifact = resolve_node(store, f"artifact:{nodes.churn}")
    assert (artifact.kind, artifact.id, artifact.node.name) == ("artifact", nodes.churn, "churn")
    execution = resolve_node(store, f"execution:{nodes.trainer}")
    assert (execution.kind, execution.id) == ("execution", nodes.trainer)
    context = resolve_node(store, f"context:{nodes.run}")
    assert (context.kind, context.node.name) == ("context", "run:2024-01")


@pytest.mark.parametrize("kind", ["artifact", "execution", "context"])
def test_unknown_id(store: Any, nodes: Nodes, kind: str) -> None:
    with pytest.raises(NotFoundError, match=f"no {kind} with id 999"):
        resolve_node(store, f"{kind}:999")


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        pytest.param("Model:churn", "artifact", "churn", id="artifact"),
        pytest.param("Trainer:train", "execution", "train", id="execution"),
        pytest.param("Dataset:train", "artifact", "train", id="beats-bare-name"),
        pytest.param("PipelineRun:run:2024-01", "context", "run:2024-01", id="colon-in-name"),
        pytest.param("execution:train", "execution", "train", id="kind-and-name"),
        pytest.param("churn", "artifact", "churn", id="bare-name"),
        pytest.param("run:2024-01", "context", "run:2024-01", id="bare-name-with-colon"),
        pytest.param("s3://models/churn", "artifact", "churn", id="uri"),
        pytest.param(f"Model:{ODD_NAME}", "artifact", ODD_NAME, id="quotes-and-wildcards"),
    ],
)
def test_resolves(store: Any, nodes: Nodes, text: str, kind: str, name: str) -> None:
    ref = resolve_node(store, text)
    assert (ref.kind, ref.node.name) == (kind, name)
    assert ref.id == ref.node.id


def test_ambiguous_name_lists_candidates(store: Any, nodes: Nodes) -> None:
    with pytest.raises(AmbiguousNodeError, match="matches 2 nodes") as caught:
        resolve_node(store, "train")
    error = caught.value
    assert isinstance(error, InvalidArgumentError)
    assert {(c.kind, c.id) for c in error.candidates} == {
        ("artifact", nodes.train_data),
        ("execution", nodes.trainer),
    }
    assert f"artifact:{nodes.train_data} (Dataset 'train', uri s3://data/train)" in str(error)
    assert f"execution:{nodes.trainer} (Trainer 'train')" in str(error)


def test_ambiguous_uri(store: Any, nodes: Nodes) -> None:
    with pytest.raises(AmbiguousNodeError) as caught:
        resolve_node(store, "s3://data/shared")
    assert [c.id for c in caught.value.candidates] == [nodes.eval_a, nodes.eval_b]
    assert "uri s3://data/shared" in caught.value.message


def test_ambiguous_error_pickles(store: Any, nodes: Nodes) -> None:
    with pytest.raises(AmbiguousNodeError) as caught:
        resolve_node(store, "train")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.message == caught.value.message
    assert [c.id for c in copy.candidates] == [c.id for c in caught.value.candidates]


@pytest.mark.parametrize(
    "text",
    ["chrun", "Churn", "Model:chrun", "s3://models/chur"],
    ids=["typo", "case", "typed", "uri"],
)
def test_unknown_lists_close_candidates(store: Any, nodes: Nodes, text: str) -> None:
    with pytest.raises(NotFoundError, match="did you mean") as caught:
        resolve_node(store, text)
    assert f"artifact:{nodes.churn} (Model 'churn', uri s3://models/churn)" in str(caught.value)


def test_unknown_without_candidates(store: Any, nodes: Nodes) -> None:
    with pytest.raises(NotFoundError, match=r"no node matches 'zzqqxx' \(name a node as"):
        resolve_node(store, "zzqqxx")


def test_empty_store(store: Any) -> None:
    with pytest.raises(NotFoundError, match="no node matches 'anything'"):
        resolve_node(store, "anything")


@pytest.mark.parametrize("text", ["", "   ", None, 12])
def test_bad_reference(store: Any, text: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="node reference must be a non-empty string"):
        resolve_node(store, text)


@pytest.mark.parametrize("text", ["a\x00b", "x\ud800"], ids=["nul", "surrogate"])
def test_unsearchable_characters(store: Any, text: str) -> None:
    with pytest.raises(InvalidArgumentError, match="a node reference cannot contain the character"):
        resolve_node(store, text)


class CountingStore:
    """Forwards to a store and counts the calls of each method."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return call


def test_round_trips_do_not_grow_with_candidates(store: Any) -> None:
    dataset = store.put_artifact_type(pb.ArtifactType(name="Dataset"))
    store.put_artifacts([pb.Artifact(type_id=dataset, name=f"d{i}") for i in range(40)])
    store.put_artifacts([pb.Artifact(type_id=dataset, uri="s3://same") for _ in range(40)])
    counting = CountingStore(store)
    with pytest.raises(AmbiguousNodeError) as caught:
        resolve_node(counting, "s3://same")
    assert len(caught.value.candidates) == 40
    assert sum(counting.calls.values()) == 3  # one listing per kind
    counting.calls.clear()
    with pytest.raises(NotFoundError, match="did you mean"):
        resolve_node(counting, "d4x")
    assert sum(counting.calls.values()) == 6  # the search, then one pool per kind


def test_format_node_ref() -> None:
    artifact = pb.Artifact(id=12, type="Model", name="churn", uri="s3://m/churn")
    assert format_node_ref("artifact", artifact) == "artifact:12 (Model 'churn', uri s3://m/churn)"
    unnamed = pb.Artifact(id=3, type_id=7)
    assert format_node_ref("artifact", unnamed) == "artifact:3 (type 7)"
    execution = pb.Execution(id=4, type="Trainer", name="t")
    assert format_node_ref("execution", execution) == "execution:4 (Trainer 't')"


def test_node_ref_is_frozen(store: Any, nodes: Nodes) -> None:
    ref = resolve_node(store, "churn")
    assert isinstance(ref, NodeRef)
    assert ref.ref == f"artifact:{nodes.churn}"
    assert str(ref) == f"artifact:{nodes.churn} (Model 'churn', uri s3://models/churn)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.id = 1  # type: ignore[misc]
