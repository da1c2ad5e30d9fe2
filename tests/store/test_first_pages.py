"""Filtered listings with a limit: the same page whichever way the store finds it.

On SQLite a filtered first page is first looked for by walking the nodes in the listing's order
under a step budget, and by the ``id IN (<filter>)`` form when the budget runs out; these tests
run both ways (a tiny budget forces the second) and compare with the whole listing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lineage
import lineage.store._listing as listing
from lineage.proto import metadata_store_pb2 as pb

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

FILTERS = [
    "properties.span.int_value < 150",  # common matches
    "properties.span.int_value = 7",  # one match
    "properties.span.int_value > 10000",  # none
    "contexts_a.name = 'even'",
    "contexts_a.name = 'even' OR properties.span.int_value < 3",
    "uri LIKE '%/1%' AND NOT (contexts_a.name = 'even')",
]
ORDERS = [
    (lineage.OrderByField.ID, True),
    (lineage.OrderByField.ID, False),
    (lineage.OrderByField.CREATE_TIME, False),
]


def _populate(store: Any) -> int:
    type_id = store.put_artifact_type(pb.ArtifactType(name="Data", properties={"span": pb.INT}))
    artifacts = []
    for i in range(300):
        a = pb.Artifact(type_id=type_id, uri=f"/data/{i}", name=f"d{i}")
        a.properties["span"].int_value = i
        artifacts.append(a)
    ids = store.put_artifacts(artifacts)
    ctx_type = store.put_context_type(pb.ContextType(name="Group"))
    even, odd = store.put_contexts(
        [pb.Context(type_id=ctx_type, name="even"), pb.Context(type_id=ctx_type, name="odd")]
    )
    store.put_attributions_and_associations(
        [
            pb.Attribution(context_id=even if i % 2 == 0 else odd, artifact_id=a)
            for i, a in enumerate(ids)
        ],
        [],
    )
    return int(even)


def _names(nodes: list[Any]) -> list[str]:
    return [n.name for n in nodes]


@pytest.mark.parametrize("budget", [listing.FIRST_PAGE_STEPS, 1_000], ids=["walk", "fallback"])
def test_first_pages_equal_the_head_of_the_full_listing(
    store: Any, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "FIRST_PAGE_STEPS", budget)
    _populate(store)
    for query in FILTERS:
        for field, asc in ORDERS:
            full = store.get_artifacts(
                list_options=lineage.ListOptions(order_by=field, is_asc=asc, filter_query=query)
            )
            for limit in (1, 10, 100):
                page = store.get_artifacts(
                    list_options=lineage.ListOptions(
                        limit=limit, order_by=field, is_asc=asc, filter_query=query
                    )
                )
                assert _names(page) == _names(full)[:limit], (query, field, asc, limit)


def test_a_filter_too_slow_to_walk_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite only: servers plan the limit themselves.
    monkeypatch.setattr(listing, "FIRST_PAGE_STEPS", 3_000)
    with lineage.MetadataStore(str(tmp_path / "pages.db")) as store:
        _populate(store)
        common = lineage.ListOptions(limit=5, filter_query="properties.span.int_value >= 0")
        assert _names(store.get_artifacts(list_options=common)) == ["d0", "d1", "d2", "d3", "d4"]
        assert store._backend.slow_first_pages == set()  # found by the walk
        rare = lineage.ListOptions(limit=5, filter_query="properties.span.int_value > 10000")
        assert store.get_artifacts(list_options=rare) == []
        assert len(store._backend.slow_first_pages) == 1  # the walk ran out of budget
        # Asked again, it goes to the IN form directly, with the same answer.
        assert store.get_artifacts(list_options=rare) == []
        assert len(store._backend.slow_first_pages) == 1


def test_context_members_filtered_and_paged(store: Any) -> None:
    even = _populate(store)
    page = store.get_artifacts_by_context(
        even,
        list_options=lineage.ListOptions(limit=3, filter_query="properties.span.int_value >= 10"),
    )
    assert _names(page) == ["d10", "d12", "d14"]


def test_nodes_in_two_contexts_of_one_name_are_listed_once(store: Any) -> None:
    _populate(store)
    # A context of another type with the same name holds every fourth artifact again.
    other_type = store.put_context_type(pb.ContextType(name="Other"))
    [other] = store.put_contexts([pb.Context(type_id=other_type, name="even")])
    fours = [a for a in store.get_artifacts() if int(a.name[1:]) % 4 == 0]
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=other, artifact_id=a.id) for a in fours], []
    )
    query = "contexts_a.name = 'even'"
    evens = [f"d{i}" for i in range(0, 300, 2)]
    assert _names(store.get_artifacts(list_options=lineage.ListOptions(filter_query=query))) == (
        evens
    )
    newest = lineage.ListOptions(filter_query=query, limit=4, is_asc=False)
    assert _names(store.get_artifacts(list_options=newest)) == evens[::-1][:4]
