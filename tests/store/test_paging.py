"""``MetadataStore.get_page``: MLMD's paged listings (what the gRPC service hands out).

Every page chain must, concatenated, equal the whole listing in the same order, whatever the
page size, ordering, filter or scope; tokens are MLMD's format and refuse another ordering.
"""

from __future__ import annotations

from typing import Any

import pytest

from lineage import proto as pb
from lineage.errors import InvalidArgumentError
from lineage.store._paging import decode_token

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def _populate(store: Any) -> tuple[int, int, int]:
    type_a = store.put_artifact_type(pb.ArtifactType(name="Data", properties={"span": pb.INT}))
    type_b = store.put_artifact_type(pb.ArtifactType(name="Model"))
    artifacts = []
    for i in range(57):
        a = pb.Artifact(type_id=type_a if i % 3 else type_b, uri=f"/d/{i}", name=f"a{i}")
        if i % 3:
            a.properties["span"].int_value = i
        artifacts.append(a)
    ids = store.put_artifacts(artifacts)
    ctx_type = store.put_context_type(pb.ContextType(name="Run"))
    [ctx] = store.put_contexts([pb.Context(type_id=ctx_type, name="r")])
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=ctx, artifact_id=i) for i in ids[::2]], []
    )
    return type_a, type_b, ctx


def _chain(store: Any, size: int, **scope: Any) -> tuple[list[int], int]:
    order = scope.pop("order", None)
    query = scope.pop("filter_query", "")
    token, ids, pages = "", [], 0
    while True:
        options = pb.ListOperationOptions(max_result_size=size, filter_query=query)
        if order is not None:
            options.order_by_field.field = order[0]
            options.order_by_field.is_asc = order[1]
        options.next_page_token = token
        page = store.get_page("artifact", options, **scope)
        ids += [a.id for a in page.nodes]
        pages += 1
        assert len(page.nodes) <= size
        token = page.next_page_token
        if not token:
            return ids, pages


@pytest.mark.parametrize("size", [1, 7, 20, 100])
@pytest.mark.parametrize(
    "order",
    [None, (pb.ListOperationOptions.OrderByField.ID, False), (1, False), (2, True)],
    ids=["default", "id-desc", "create-desc", "update-asc"],
)
def test_page_chain_equals_the_whole_listing(store: Any, size: int, order: Any) -> None:
    _populate(store)
    options = None
    if order is not None:
        options = pb.ListOperationOptions(max_result_size=100)
        options.order_by_field.field = order[0]
        options.order_by_field.is_asc = order[1]
    whole = [a.id for a in store.get_page("artifact", options).nodes]
    ids, pages = _chain(store, size, order=order)
    assert ids == whole
    assert len(whole) == 57
    assert pages == -(-57 // size)


def test_pages_by_type_context_and_filter(store: Any) -> None:
    type_a, type_b, ctx = _populate(store)
    by_type, _ = _chain(store, 5, type_id=type_b)
    assert by_type == [a.id for a in store.get_artifacts_by_type("Model")]
    by_context, _ = _chain(store, 4, context_id=ctx)
    assert by_context == [a.id for a in store.get_artifacts_by_context(ctx)]
    filtered, _ = _chain(store, 3, filter_query="properties.span.int_value > 40")
    spans = {a.id: a.properties["span"].int_value for a in store.get_artifacts_by_type("Data")}
    assert filtered == sorted(i for i, span in spans.items() if span > 40)
    assert len(filtered) == 11


def test_default_size_cap_and_errors(store: Any) -> None:
    store.put_artifacts(
        [pb.Artifact(type_id=store.put_artifact_type(pb.ArtifactType(name="D")))] * 130
    )
    assert len(store.get_page("artifact", pb.ListOperationOptions()).nodes) == 20
    big = store.get_page("artifact", pb.ListOperationOptions(max_result_size=500))
    assert len(big.nodes) == 100
    token = decode_token(big.next_page_token)
    assert token.id_offset == big.nodes[-1].id
    with pytest.raises(InvalidArgumentError, match="max_result_size"):
        store.get_page("artifact", pb.ListOperationOptions(max_result_size=-1))
    bad = pb.ListOperationOptions(next_page_token="not a token!")
    with pytest.raises(InvalidArgumentError, match="next_page_token"):
        store.get_page("artifact", bad)
    other = pb.ListOperationOptions(next_page_token=big.next_page_token)
    other.order_by_field.field = 1
    with pytest.raises(InvalidArgumentError, match="order"):
        store.get_page("artifact", other)
    with pytest.raises(InvalidArgumentError, match="kind"):
        store.get_page("model")
