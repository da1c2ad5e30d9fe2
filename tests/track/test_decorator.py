"""Decorators: ``@lineage.component`` records each call with its arguments; ``@lineage.run``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.proto import Execution
from lineage.track import current_run
from tests.track.helpers import props

OFF = {"environment": False, "git": False}


def test_each_call_is_a_run_with_its_arguments_as_params(
    store: Any, write: Callable[..., Path], tmp_path: Path
) -> None:
    @lineage.component(inputs="src", outputs=["dst"], store=store, capture=OFF, tags=["etl"])
    def clean(src: Path, dst: Path, dropna: bool = True, *, sep: str = ",", **extra: Any) -> int:
        run = current_run()
        assert run is not None
        run.log_metric("rows", 2)
        dst.write_text(src.read_text().upper())
        return 42

    src = write("raw.csv", "a,b\n")
    assert clean(src, tmp_path / "clean.csv", sep=";", limit=10) == 42
    [execution] = store.get_executions()
    values = props(execution)
    assert (values["param.dropna"], values["param.sep"], values["param.limit"]) == (True, ";", 10)
    assert "param.src" not in values
    assert "param.dst" not in values
    assert values[cv.CODE_FUNCTION].endswith("clean")
    assert values["tag.etl"] is True
    assert values["metric.rows"] == 2.0
    assert execution.last_known_state == Execution.COMPLETE
    [exec_type] = store.get_execution_types_by_id([execution.type_id])
    assert exec_type.name == "clean"
    paths = sorted(e.path.steps[0].key for e in store.get_events_by_execution_ids([execution.id]))
    assert paths == ["dst", "metrics", "src"]


def test_a_bare_decorator_and_a_failing_call(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_NO_CAPTURE", "environment,git")

    @lineage.component
    def evaluate(threshold: float) -> None:
        raise ValueError(f"bad threshold {threshold}")

    with lineage.run("parent", store=store, capture=OFF), pytest.raises(ValueError):
        evaluate(0.5)  # the store comes from the enclosing run
    failed = [e for e in store.get_executions() if e.name.startswith("evaluate")]
    assert [e.last_known_state for e in failed] == [Execution.FAILED]
    assert props(failed[0])["param.threshold"] == 0.5


def test_arguments_that_cannot_be_params_are_named(store: Any) -> None:
    @lineage.component(store=store, capture=OFF)
    def train(model: object, lr: float) -> None:
        pytest.fail("must not run")

    with pytest.raises(InvalidArgumentError, match=r"argument 'model' of component 'train'"):
        train(object(), 0.1)

    @lineage.component(store=store, capture=OFF, params=["lr"], kind="train")
    def train2(model: object, lr: float) -> float:
        return lr

    assert train2(object(), 0.1) == 0.1
    values = props(store.get_executions()[0])
    assert [k for k in values if k.startswith("param.")] == ["param.lr"]


def test_fixed_params_and_no_params(store: Any, write: Callable[..., Path]) -> None:
    config = write("c.json", '{"depth": 4}')

    @lineage.component(store=store, capture=OFF, params=config)
    def fit(x: int) -> None:
        pass

    @lineage.component(store=store, capture=OFF, params=False)
    def other(x: int) -> None:
        pass

    fit(1)
    other(2)
    by_name = {e.name.split("-")[0]: props(e) for e in store.get_executions()}
    assert by_name["fit"]["param.depth"] == 4
    assert "param.x" not in by_name["fit"]
    assert not [k for k in by_name["other"] if k.startswith("param.")]


def test_names_that_are_not_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="'data', which is not an argument"):

        @lineage.component(inputs=["data"])
        def f(x: int) -> None:
            pass

    with pytest.raises(InvalidArgumentError, match="decorates a function"):
        lineage.component(3)


def test_async_components(store: Any) -> None:
    @lineage.component(store=store, capture=OFF)
    async def fetch(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    assert asyncio.run(fetch(3)) == 6
    assert props(store.get_executions()[0])["param.n"] == 3


def test_a_run_as_a_decorator(store: Any, write: Callable[..., Path]) -> None:
    data = write("d.csv")

    @lineage.run("score", inputs=[data], store=store, capture=OFF, tags="nightly")
    def score(x: int) -> int:
        return x + 1

    assert score(1) == 2
    assert score(2) == 3
    executions = store.get_executions()
    assert len(executions) == 2
    assert all(props(e)["tag.nightly"] for e in executions)

    @lineage.run("score", store=store, capture=OFF)
    async def ascore() -> int:
        return 5

    assert asyncio.run(ascore()) == 5
    with pytest.raises(InvalidArgumentError, match="run_name"):
        lineage.run("x", run_name="fixed")(lambda: None)
