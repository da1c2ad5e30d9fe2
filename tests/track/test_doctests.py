"""The examples in lineage.track's docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import lineage.track

MODULES = sorted(
    ["lineage.track"]
    + [f"lineage.track.{m.name}" for m in pkgutil.iter_modules(lineage.track.__path__)]
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that record without a store write ./lineage.db here
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def test_the_main_modules_have_examples() -> None:
    for name in ("lifecycle", "decorator", "comparison", "runs", "hashing", "params", "metrics"):
        module = importlib.import_module(f"lineage.track.{name}")
        assert doctest.DocTestFinder().find(module)[0].examples, name
