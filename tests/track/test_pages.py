"""runs_page: keyset pages of runs on every backend, with the filters of list_runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.errors import FilterQueryError, InvalidArgumentError
from lineage.track import list_runs, runs_page

AUC = "custom_properties.`metric.auc`.double_value"


def _record(store: Any, n: int = 7) -> list[int]:
    ids = []
    for i in range(n):
        with lineage.run(
            "train",
            params={"lr": i / 10},
            experiment="a" if i % 2 else "b",
            store=store,
            tags=("odd",) if i % 2 else (),
            capture={"environment": False},
        ) as r:
            r.log_metric("auc", 0.5 + i / 20)
        ids.append(int(r.execution.id))
    return ids


def test_pages_cover_every_run_once_newest_first(store: Any) -> None:
    ids = _record(store)
    seen: list[int] = []
    token = None
    while True:
        page = runs_page(store, limit=3, page_token=token)
        seen += [r.id for r in page.runs]
        if not page.next_page_token:
            break
        token = page.next_page_token
    assert seen == list(reversed(ids))
    assert [r.id for r in runs_page(store, limit=100).runs] == [r.id for r in list_runs(store)]


def test_filters_and_orders(store: Any) -> None:
    ids = _record(store)
    assert [r.id for r in runs_page(store, experiment="a").runs] == list(reversed(ids[1::2]))
    assert [r.id for r in runs_page(store, tag="odd", ascending=True, order_by="id").runs] == ids[
        1::2
    ]
    high = runs_page(store, filter_query=f"{AUC} > 0.7").runs
    assert [r.metrics["auc"] for r in high] == [0.8, 0.75]


def test_a_token_from_another_listing_is_refused(store: Any) -> None:
    _record(store, 4)
    token = runs_page(store, limit=2).next_page_token
    with pytest.raises(InvalidArgumentError, match="page_token"):
        runs_page(store, limit=2, page_token=token, order_by="id", ascending=True)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"order_by": "auc"}, "order_by"),
        ({"state": "EXPLODED"}, "state"),
    ],
)
def test_bad_arguments_name_themselves(store: Any, kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidArgumentError, match=words):
        runs_page(store, **kwargs)


def test_a_malformed_filter_points_into_the_users_text(tmp_path: Path) -> None:
    store = lineage.MetadataStore("sqlite://")
    with pytest.raises(FilterQueryError) as caught:
        runs_page(store, filter_query="name = 'x' AND foo ==")
    assert caught.value.position == len("name = 'x' AND foo ")
    store.close()
