"""Comparing runs: what differs, and the table, JSON and Markdown outputs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import lineage
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.track import Comparison, RunInfo, capture_environment
from lineage.track.comparison import build, format_number
from lineage.track.runs import EnvironmentInfo
from tests.track.helpers import git


def _two_runs(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any]:
    monkeypatch.setattr(sys, "argv", [str(repo / "train.py")])
    data = write("train.csv", "v1")
    with lineage.run(
        "train", params={"lr": 0.1, "depth": 3}, inputs={"train": data}, store=store, experiment="x"
    ) as first:
        first.log_metric("auc", 0.81)
        first.log_metric("loss", 0.4)
    (repo / "train.py").write_text("print('v2')\n")
    git(repo, "commit", "-qam", "second")
    data.write_text("v2")
    with lineage.run(
        "train",
        params={"lr": 0.01, "depth": 3},
        inputs={"train": data},
        store=store,
        experiment="x",
        tags=["best"],
    ) as second:
        second.log_metric("auc", 0.87)
        second.log_metric("loss", 0.4)
    return first, second


def test_compare_finds_params_metrics_code_and_data_differences(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_runs(store, write, repo, monkeypatch)
    diff = lineage.compare(store, [first.id, f"execution:{second.id}"])
    assert isinstance(diff, Comparison)
    assert [r.id for r in diff.runs] == [first.id, second.id]
    assert diff.params == {"lr": (0.1, 0.01)}
    assert diff.metrics == {"auc": (0.81, 0.87)}
    assert set(diff.code) == {"commit", "entry_point_sha256"}
    assert diff.data == {"input train": (first.inputs[0].fingerprint, second.inputs[0].fingerprint)}
    assert diff.packages == {}
    assert not diff.identical
    assert [r.key for r in diff.section("metrics")] == ["auc", "loss"]  # metrics: all rows
    assert [r.key for r in diff.section("params")] == ["lr"]
    assert [r.key for r in diff.section("params", all=True)] == ["depth", "lr"]
    assert set(diff.differences()) == {"params", "metrics", "code", "data"}
    with pytest.raises(InvalidArgumentError, match="unknown section"):
        diff.section("nope")


def test_the_json_output(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_runs(store, write, repo, monkeypatch)
    data = json.loads(lineage.compare(store, [first, second]).to_json())
    assert [r["id"] for r in data["runs"]] == [first.id, second.id]
    assert data["runs"][1]["tags"] == ["best"]
    assert data["runs"][0]["experiments"] == ["x"]
    assert data["sections"]["params"] == {"lr": [0.1, 0.01]}
    assert data["sections"]["metrics"] == {"auc": [0.81, 0.87], "loss": [0.4, 0.4]}
    assert data["sections"]["data"]["input train"][0].startswith("sha256:")
    assert data["sections"]["packages"] == {}
    assert data["identical"] is False
    everything = json.loads(lineage.compare(store, [first, second]).to_json(all=True))
    assert everything["sections"]["params"] == {"depth": [3, 3], "lr": [0.1, 0.01]}
    assert (
        everything["sections"]["environment"]["python"][0] == capture_environment().python_version
    )


def test_the_markdown_output(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_runs(store, write, repo, monkeypatch)
    text = lineage.compare(store, [first, second]).to_markdown()
    assert text.startswith("# Comparison of 2 runs\n")
    assert f"| | execution:{first.id} | execution:{second.id} |" in text
    assert "## Params" in text
    assert "| **lr** | 0.1 | 0.01 |" in text
    assert "| **auc** | 0.81 | 0.87 |" in text
    assert "| loss | 0.4 | 0.4 |" in text
    assert "## Code" in text
    assert "**commit**" in text
    assert "## Data" in text
    assert "## Packages" not in text
    assert lineage.compare(store, [first, second])._repr_markdown_() == text


def test_the_table_output(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_runs(store, write, repo, monkeypatch)
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(lineage.compare(store, [first, second]))
    console.file.close()
    text = console.export_text()
    for expected in ("Runs", "Params", "Metrics", "Code", "Data", "0.01", "0.87", "best"):
        assert expected in text
    assert "Packages" not in text


def _info(run_id: int, packages: dict[str, str], **params: Any) -> RunInfo:
    digest = f"sha256:{sorted(packages.items())}"
    env = EnvironmentInfo(run_id, digest, "3.11.7", "CPython", "Linux", packages)
    return RunInfo(run_id, f"r{run_id}", "train", "COMPLETE", 1, 2, params=params, environment=env)


def test_package_versions_and_missing_values() -> None:
    diff = build(
        [_info(1, {"numpy": "1.26.4", "torch": "2.3.0"}, lr=0.1), _info(2, {"numpy": "2.0.0"})]
    )
    assert diff.packages == {"numpy": ("1.26.4", "2.0.0"), "torch": ("2.3.0", None)}
    assert diff.params == {"lr": (0.1, None)}
    assert "| **torch** | 2.3.0 | — |" in diff.to_markdown()
    same = build([_info(1, {"a": "1"}, lr=0.1), _info(2, {"a": "1"}, lr=0.1)])
    assert "No differences" in same.to_markdown()
    assert same.identical
    assert same.differences() == {}
    assert json.loads(build([_info(1, {}, x=float("nan")), _info(2, {})]).to_json())["sections"][
        "params"
    ] == {"x": ["nan", None]}


def test_more_than_two_runs(store: Any) -> None:
    runs = []
    for lr in (0.1, 0.2, 0.3):
        with lineage.run("train", params={"lr": lr}, store=store, capture={"git": False}) as run:
            pass
        runs.append(run)
    assert lineage.compare(store, runs).params == {"lr": (0.1, 0.2, 0.3)}
    assert lineage.compare(None, runs).params == {"lr": (0.1, 0.2, 0.3)}  # runs know their store


def test_bad_comparisons_are_refused(store: Any) -> None:
    with lineage.run("train", store=store, capture=False) as run:
        pass
    with pytest.raises(InvalidArgumentError, match="at least two runs"):
        lineage.compare(store, [run])
    with pytest.raises(InvalidArgumentError, match="given twice"):
        lineage.compare(store, [run, run.id])
    with pytest.raises(NotFoundError):
        lineage.compare(store, [run, 12345])


def test_reals_are_shortened_unless_that_hides_a_difference() -> None:
    close = build([_info(1, {}, x=0.1234567891), _info(2, {}, x=0.1234567892)])
    assert "| **x** | 0.1234567891 | 0.1234567892 |" in close.to_markdown()
    far = build([_info(1, {}, x=0.9370629370629371), _info(2, {}, x=0.965034965034965)])
    assert "| **x** | 0.937063 | 0.965035 |" in far.to_markdown()
    assert far.to_dict()["sections"]["params"]["x"] == [0.9370629370629371, 0.965034965034965]


def test_format_number_is_the_one_formatter_of_reals() -> None:
    assert format_number(0.8 + 0.07) == "0.87"
    assert format_number(1 / 3) == "0.333333"
    assert format_number(3.0) == "3"
    assert format_number(-2.0) == "-2"
    assert format_number(1_796_667_693_361.0) == "1796667693361"  # a time in ms, as a double
    assert format_number(2.0**60) == "1.15292e+18"
    assert format_number(1.5e-7) == "1.5e-07"
    assert [format_number(v) for v in (float("nan"), float("inf"))] == ["nan", "inf"]
    noisy = build([_info(1, {}, acc=0.8 + 0.07, n=1e6), _info(2, {}, acc=0.9, n=2e6)])
    assert "| **acc** | 0.87 | 0.9 |" in noisy.to_markdown()
    assert "| **n** | 1000000 | 2000000 |" in noisy.to_markdown()
