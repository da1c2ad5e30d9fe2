"""``lineage runs ls|show|compare``, ``lineage tag`` and ``lineage note`` through CliRunner."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import lineage
from lineage.cli import cli
from tests.track.helpers import props

OFF = {"environment": False, "git": False}


@pytest.fixture
def db(tmp_path: Path, write: Callable[..., Path]) -> dict[str, Any]:
    """A SQLite store with three runs: two in experiment 'churn', one failed."""
    path = tmp_path / "runs.db"
    data = write("train.csv", "v1")
    runs = []
    for lr, tags in ((0.1, ["baseline"]), (0.01, [])):
        with lineage.run(
            "train",
            params={"lr": lr},
            inputs={"train": data},
            experiment="churn",
            tags=tags,
            store=path,
            capture=OFF,
        ) as run:
            run.log_metric("auc", 0.8 if lr == 0.1 else 0.85)
            run.output(write(f"model-{lr}.pkl", str(lr)), type="Model", name="model")
        runs.append(run)
    with pytest.raises(ValueError), lineage.run("evaluate", store=path, capture=OFF) as failed:
        raise ValueError("no labels")
    runs.append(failed)
    return {"path": str(path), "ids": [r.id for r in runs], "names": [r.name for r in runs]}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="lineage", catch_exceptions=False)


def test_runs_ls(db: dict[str, Any]) -> None:
    result = invoke("--db", db["path"], "runs", "ls")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "run" in lines[1]
    assert "metrics" in lines[1]
    assert [n in result.stdout for n in db["names"]] == [True, True, True]
    assert result.stdout.index(db["names"][2]) < result.stdout.index(db["names"][0])  # newest first
    assert "auc=0.85" in result.stdout
    assert "FAILED" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--experiment", "churn"], [1, 0]),
        (["--tag", "baseline"], [0]),
        (["--state", "failed"], [2]),
        (["--type", "evaluate"], [2]),
        (["--since", "1h"], [2, 1, 0]),
        (["--until", "2001-01-01"], []),
        (["--limit", "1"], [2]),
    ],
)
def test_runs_ls_filters_as_json(db: dict[str, Any], args: list[str], expected: list[int]) -> None:
    result = invoke("runs", "ls", "--db", db["path"], "--json", *args)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == [db["ids"][i] for i in expected]
    if "--limit" in args:
        assert "pass --limit N for more" in result.stderr


def test_runs_show(db: dict[str, Any]) -> None:
    result = invoke("--db", db["path"], "runs", "show", db["names"][0])
    assert result.exit_code == 0, result.output
    for text in (
        "Parameters",
        "lr",
        "0.1",
        "Metrics",
        "auc",
        "Inputs",
        "train",
        "Outputs",
        "Model",
    ):
        assert text in result.stdout
    data = json.loads(
        invoke("--db", db["path"], "runs", "show", str(db["ids"][2]), "--json").stdout
    )
    assert (data["state"], data["error_type"], data["error_message"]) == (
        "FAILED",
        "ValueError",
        "no labels",
    )


def test_runs_compare(db: dict[str, Any]) -> None:
    a, b = (f"execution:{i}" for i in db["ids"][:2])
    table = invoke("--db", db["path"], "runs", "compare", a, b)
    assert table.exit_code == 0, table.output
    assert "Params" in table.stdout
    assert "0.01" in table.stdout
    assert "Data" in table.stdout
    data = json.loads(invoke("--db", db["path"], "runs", "compare", a, b, "--json").stdout)
    assert data["sections"]["params"] == {"lr": [0.1, 0.01]}
    assert set(data["sections"]["data"]) == {"output model"}
    everything = json.loads(
        invoke("--db", db["path"], "runs", "compare", a, b, "--json", "--all").stdout
    )
    assert "input train" in everything["sections"]["data"]
    markdown = invoke("--db", db["path"], "runs", "compare", a, b, "--markdown").stdout
    assert markdown.startswith("# Comparison of 2 runs")
    assert "| **lr** | 0.1 | 0.01 |" in markdown
    both = invoke("--db", db["path"], "runs", "compare", a, b, "--markdown", "--json")
    assert both.exit_code == 2


def test_tag_and_note(db: dict[str, Any]) -> None:
    run_id = db["ids"][1]
    result = invoke("--db", db["path"], "tag", str(run_id), "best", "reviewed")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"tagged execution:{run_id}")
    assert invoke("--db", db["path"], "tag", str(run_id), "reviewed", "--remove").exit_code == 0
    assert invoke("--db", db["path"], "note", db["names"][1], "promote this one").exit_code == 0
    assert invoke("--db", db["path"], "tag", "Experiment:churn", "q4").exit_code == 0
    with lineage.MetadataStore(db["path"]) as store:
        values = props(store.get_executions_by_id([run_id])[0])
        assert values["tag.best"] is True
        assert "tag.reviewed" not in values
        assert values["lineage.notes"]["notes"][0]["text"] == "promote this one"
        assert props(store.get_contexts_by_type("Experiment")[0])["tag.q4"] is True
    listed = json.loads(invoke("--db", db["path"], "runs", "ls", "--tag", "best", "--json").stdout)
    assert [r["id"] for r in listed] == [run_id]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "show", "999"], "no run (execution) with id 999"),
        (["runs", "show", "artifact:1"], "not a run"),
        (["runs", "compare", "1"], "at least two runs"),
        (["runs", "ls", "--since", "yesterday"], "cannot read 'yesterday' as a time"),
        (["tag", "1", "bad`tag"], "backquotes"),
        (["note", "1", "  "], "non-empty"),
        (["tag", "nothing-like-this", "x"], "no node matches"),
    ],
)
def test_errors_are_one_line_and_exit_1(db: dict[str, Any], args: list[str], message: str) -> None:
    result = invoke("--db", db["path"], *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_store_is_an_error(tmp_path: Path) -> None:
    result = invoke("--db", str(tmp_path / "none.db"), "runs", "ls")
    assert result.exit_code == 1
    assert "no store at" in result.stderr
    assert not (tmp_path / "none.db").exists()


@pytest.fixture
def noisy(tmp_path: Path) -> dict[str, Any]:
    """A run whose parameter and metric are floats with binary noise (0.8 + 0.07)."""
    path = tmp_path / "noisy.db"
    with lineage.run(
        "train", params={"lr": 0.8 + 0.07, "epochs": 3}, store=path, capture=OFF
    ) as run:
        run.log_metric("acc", 0.8 + 0.07)
        run.log_metric("loss", 1 / 3)
        run.log_metric("acc", 0.8 + 0.07, step=1)
    assert 0.8 + 0.07 == 0.8700000000000001
    return {"path": str(path), "id": run.id}


def test_runs_ls_shows_numbers_as_runs_compare_does(noisy: dict[str, Any]) -> None:
    out = invoke("--db", noisy["path"], "runs", "ls").stdout
    assert "acc=0.87 loss=0.333333" in out
    assert "0.8700000000000001" not in out
    listed = json.loads(invoke("--db", noisy["path"], "runs", "ls", "--json").stdout)
    assert listed[0]["metrics"]["acc"] == 0.8700000000000001  # JSON keeps the exact value


def test_runs_show_shows_numbers_as_runs_compare_does(noisy: dict[str, Any]) -> None:
    out = invoke("--db", noisy["path"], "runs", "show", str(noisy["id"])).stdout
    assert "0.8700000000000001" not in out
    params = out[out.index("Parameters") : out.index("Metrics")]
    assert re.search(r"│ lr\s+│ 0\.87\s+│", params)
    assert re.search(r"│ epochs\s+│ 3\s+│", params)
    metrics = out[out.index("Metrics") :]
    assert re.search(r"│ acc\s+│ 0\.87\s+│", metrics)
    assert re.search(r"│ loss\s+│ 0\.333333\s+│", metrics)


def test_show_and_ls_executions_show_numbers_as_runs_compare_does(noisy: dict[str, Any]) -> None:
    shown = invoke("--db", noisy["path"], "show", f"execution:{noisy['id']}").stdout
    assert re.search(r"│ metric\.acc\s+│ custom │ 0\.87\s+│", shown)
    assert re.search(r"│ param\.lr\s+│ custom │ 0\.87\s+│", shown)
    start = re.search(r"│ run\.start_time\s+│ custom │ (\d+)\s+│", shown)
    assert start is not None  # milliseconds stored as a double, shown in full
    assert len(start.group(1)) == 13
    listed = invoke("--db", noisy["path"], "ls", "executions").stdout
    assert "0.8700000000000001" not in listed
    artifacts = invoke("--db", noisy["path"], "ls", "artifacts").stdout
    assert "acc=0.87" in artifacts  # the Metrics artifact's final value
    assert "last 0.87" in artifacts  # and its series
