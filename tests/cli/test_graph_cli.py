"""``lineage trace``, ``provenance``, ``impact`` and ``diff`` on a SQLite file store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import lineage
from lineage.cli import cli
from tests.graph.conftest import Versions, record_two_versions


@pytest.fixture
def store_file(tmp_path: Path) -> tuple[Path, Versions]:
    path = tmp_path / "versions.db"
    with lineage.MetadataStore(str(path)) as store:
        versions = record_two_versions(store)
    return path, versions


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_trace_up_and_down(store_file: tuple[Path, Versions]) -> None:
    path, v = store_file
    code, out, _ = run(path, "trace", "up", f"artifact:{v.bad}")
    assert code == 0
    assert "upstream lineage of" in out
    for name in ("churn-v2", "train-2", "clean-v2", "prep-2", "raw-v2", "vocab"):
        assert name in out
    assert "churn-v1" not in out
    code, out, _ = run(path, "trace", "down", "Dataset:vocab", "--type", "Model", "--json")
    assert code == 0
    data = json.loads(out)
    assert sorted(n["name"] for n in data["nodes"]) == ["churn-v1", "churn-v2", "vocab"]


def test_trace_limit_says_when_it_cut(store_file: tuple[Path, Versions]) -> None:
    path, v = store_file
    code, _, err = run(path, "trace", "up", f"artifact:{v.bad}", "--limit", "2")
    assert code == 0
    assert "truncated at 2 of" in err


def test_provenance_text_and_json(store_file: tuple[Path, Versions]) -> None:
    path, v = store_file
    code, out, _ = run(path, "provenance", "Model:churn-v2")
    assert code == 0
    assert "learning_rate=0.1" in out
    assert "raw-v2" in out
    assert "Environment" in out
    code, out, _ = run(path, "provenance", "Model:churn-v2", "--json")
    data = json.loads(out)
    assert [s["type"] for s in data["steps"]] == ["Prep", "Trainer"]


def test_impact_lists_models_with_paths(store_file: tuple[Path, Versions]) -> None:
    path, v = store_file
    code, out, _ = run(path, "impact", f"artifact:{v.shared_vocab}")
    assert code == 0
    assert "models (2)" in out
    assert f"artifact:{v.shared_vocab} → execution:" in out
    code, out, _ = run(path, "impact", f"artifact:{v.shared_vocab}", "--json")
    assert json.loads(out)["counts"]["models"] == 2


def test_diff_text_markdown_json(store_file: tuple[Path, Versions]) -> None:
    path, v = store_file
    code, out, _ = run(path, "diff", "Model:churn-v1", "Model:churn-v2")
    assert code == 0
    assert "First divergence: Prep" in out
    assert "learning_rate: 0.05 → 0.1" in out
    assert "scikit-learn: 1.4.0 → 1.5.1" in out
    code, out, _ = run(path, "diff", "Model:churn-v1", "Model:churn-v2", "--markdown")
    assert "| Trainer | learning_rate | 0.05 | 0.1 |" in out
    code, out, _ = run(path, "diff", "Model:churn-v1", "Model:churn-v2", "--json")
    assert json.loads(out)["identical"] is False


def test_unknown_node_is_one_clear_error(store_file: tuple[Path, Versions]) -> None:
    path, _ = store_file
    code, out, err = run(path, "provenance", "Model:churn-v9")
    assert code == 1
    assert err.startswith("error: ")
    assert "churn-v2" in err  # close candidates are listed
    assert "Traceback" not in out + err
