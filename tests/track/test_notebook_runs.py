"""Runs started in notebooks: the notebook's code cells are recorded, and compared cell by cell.

The first tests run real notebooks with nbclient on the ``python3`` kernel (as
tests/notebooks/test_notebooks.py does), telling the kernel its notebook through
``JPY_SESSION_NAME`` as Jupyter does; the others record runs in this process with the same
variable set, which is how lineage finds the notebook too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from click.testing import CliRunner, Result
from nbclient import NotebookClient

import lineage
from lineage.cli import cli
from lineage.track.source import MAX_NOTEBOOK_SCRIPT, notebook_digest, notebook_script

#: Seconds a notebook may take (kernel start included).
TIME_LIMIT = 60
OFF = {"environment": False, "git": False}
TRAIN = (
    "with lineage.run('train', params={'lr': lr, 'epochs': epochs},"
    " capture={'environment': False}) as run:\n"
    "    run.log_metric('loss', lr * epochs)"
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="lineage", catch_exceptions=False)


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, text in cells:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.append(maker(text))
    nbformat.write(notebook, path)
    return path


def execute(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the notebook in a kernel, as Jupyter would, and fail on any cell error."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIME_LIMIT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert errors == []


def version(lr: str) -> list[tuple[str, str]]:
    return [
        ("markdown", "# Training\nThe prose does not count."),
        ("code", "import lineage"),
        ("code", f"lr = {lr}\nepochs = 3"),
        ("code", TRAIN),
    ]


@pytest.fixture
def two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One notebook, run in a kernel, edited in one cell, and run again."""
    db = tmp_path / "lineage.db"
    monkeypatch.setenv("LINEAGE_DB", str(db))
    path = tmp_path / "train.ipynb"
    digests = []
    for lr in ("0.1", "0.01"):
        write_notebook(path, version(lr))
        digests.append(notebook_digest(path))
        execute(path, monkeypatch)
    with lineage.MetadataStore(str(db)) as store:
        ids = sorted(int(e.id) for e in store.get_executions_by_type("train"))
    return {"db": str(db), "path": path, "ids": ids, "digests": digests}


def test_a_notebook_run_records_its_path_hash_and_code_cells(two_runs: dict[str, Any]) -> None:
    db, path = two_runs["db"], two_runs["path"]
    first, second = two_runs["ids"]
    with lineage.MetadataStore(db) as store:
        runs = store.get_executions_by_id([first, second])
    for run, digest in zip(runs, two_runs["digests"], strict=True):
        props = run.custom_properties
        assert props["code.entry_point"].string_value == str(path)
        assert props["code.entry_point_sha256"].string_value == digest
        # The script lives in proto_value, which ml-metadata does not index (D32).
        assert props["code.notebook_script"].WhichOneof("value") == "proto_value"
    assert two_runs["digests"][0] != two_runs["digests"][1]

    shown = invoke("--db", db, "runs", "show", str(first))
    assert shown.exit_code == 0
    assert str(path) in shown.stdout
    assert two_runs["digests"][0][:19] in shown.stdout
    assert f"py:percent by jupytext {jupytext.__version__}: 3 code cells" in shown.stdout

    script = invoke("--db", db, "runs", "show", str(first), "--script")
    assert script.exit_code == 0
    assert script.stdout == (
        f"# %%\nimport lineage\n\n# %%\nlr = 0.1\nepochs = 3\n\n# %%\n{TRAIN}\n"
    )
    data = json.loads(invoke("--db", db, "runs", "show", str(second), "--json").stdout)
    recorded = data["code"]["notebook_script"]
    assert (recorded["format"], recorded["generator"]) == (
        "py:percent",
        f"jupytext {jupytext.__version__}",
    )
    assert "lr = 0.01\n" in recorded["script"]
    listed = json.loads(invoke("--db", db, "runs", "ls", "--json").stdout)
    summary = next(r for r in listed if r["id"] == second)["code"]["notebook_script"]
    assert "script" not in summary  # a list carries the script's size, not its text
    assert summary["bytes"] == len(recorded["script"].encode())


def test_comparing_two_notebook_runs_shows_the_changed_cell(two_runs: dict[str, Any]) -> None:
    db = two_runs["db"]
    a, b = (f"execution:{i}" for i in two_runs["ids"])
    table = invoke("--db", db, "runs", "compare", a, b)
    assert table.exit_code == 0
    lines = [line.rstrip() for line in table.stdout.splitlines()]
    start = lines.index(f"Notebook cells: {a} → {b}: 1 changed")
    assert lines[start + 1 : start + 6] == [
        "  cell 2 changed",
        "    @@ -1,2 +1,2 @@",
        "    -lr = 0.1",
        "    +lr = 0.01",
        "     epochs = 3",
    ]
    assert "cell 1" not in table.stdout
    assert "cell 3" not in table.stdout
    assert "notebook_script" not in table.stdout  # compared by cell, not as a row

    data = json.loads(invoke("--db", db, "runs", "compare", a, b, "--json").stdout)
    assert data["notebook_cells"] == [
        {
            "old": a,
            "new": b,
            "cells": [
                {
                    "change": "changed",
                    "old_cell": 2,
                    "new_cell": 2,
                    "diff": ["@@ -1,2 +1,2 @@", "-lr = 0.1", "+lr = 0.01", " epochs = 3"],
                }
            ],
            "note": None,
        }
    ]
    assert data["identical"] is False
    assert "notebook_script" not in data["sections"]["code"]

    markdown = invoke("--db", db, "runs", "compare", a, b, "--markdown").stdout
    assert "## Notebook cells\n\n" in markdown
    assert "### cell 2 changed\n\n```diff\n@@ -1,2 +1,2 @@\n-lr = 0.1\n+lr = 0.01\n" in markdown


# ------------------------------------------------------------------------------ in this process
def run_in(path: Path, db: Path, lr: float) -> int:
    """Record a run as a kernel running ``path`` would (the notebook named by Jupyter)."""
    with lineage.run("train", params={"lr": lr}, store=db, capture=OFF) as run:
        pass
    assert run.id is not None
    return run.id


@pytest.fixture
def in_notebook(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(sys, "argv", ["/x/ipykernel_launcher.py", "-f", "kernel.json"])

    def _name(path: Path | None) -> None:
        if path is None:
            monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
        else:
            monkeypatch.setenv("JPY_SESSION_NAME", str(path))

    return _name


def test_added_and_removed_cells_are_numbered(tmp_path: Path, in_notebook: Any) -> None:
    db, path = tmp_path / "runs.db", tmp_path / "explore.ipynb"
    in_notebook(path)
    write_notebook(path, [("code", "a = 1"), ("code", "b = 2"), ("code", "print(a + b)")])
    first = run_in(path, db, 0.1)
    write_notebook(path, [("code", "a = 1"), ("code", "print(a + b)"), ("code", "c = 3\nprint(c)")])
    second = run_in(path, db, 0.2)
    out = invoke("--db", str(db), "runs", "compare", str(first), str(second)).stdout
    lines = [line.rstrip() for line in out.splitlines()]
    start = lines.index(
        f"Notebook cells: execution:{first} → execution:{second}: 1 removed, 1 added"
    )
    assert lines[start + 1 : start + 6] == [
        "  cell 2 removed",
        "    -b = 2",
        "  cell 3 added",
        "    +c = 3",
        "    +print(c)",
    ]


def test_without_jupytext_the_cells_are_joined_the_same_way(
    tmp_path: Path, in_notebook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, path = tmp_path / "runs.db", tmp_path / "plain.ipynb"
    cells = [("markdown", "# Notes"), ("code", "x = 1\n\ny = 2"), ("code", ""), ("code", "x")]
    write_notebook(path, cells)
    with_jupytext, _ = notebook_script(path)
    assert with_jupytext is not None
    monkeypatch.setitem(sys.modules, "jupytext", None)  # import jupytext now fails
    in_notebook(path)
    run = run_in(path, db, 0.1)
    assert (
        "py:percent by lineage: 3 code cells"
        in invoke("--db", str(db), "runs", "show", str(run)).stdout
    )
    script = invoke("--db", str(db), "runs", "show", str(run), "--script").stdout
    assert script == "# %%\nx = 1\n\ny = 2\n\n# %%\n\n# %%\nx\n"
    assert script == with_jupytext.script


def test_a_script_above_the_limit_is_left_out_with_the_reason(
    tmp_path: Path, in_notebook: Any
) -> None:
    db, path = tmp_path / "runs.db", tmp_path / "big.ipynb"
    in_notebook(path)
    write_notebook(path, [("code", "x = 1")])
    small = run_in(path, db, 0.1)
    write_notebook(path, [("code", "data = '" + "a" * MAX_NOTEBOOK_SCRIPT + "'")])
    big = run_in(path, db, 0.2)
    shown = invoke("--db", str(db), "runs", "show", str(big)).stdout
    assert "above the 1,048,576-byte limit" in " ".join(shown.split())
    assert notebook_digest(path)[:19] in shown  # type: ignore[index]
    failed = invoke("--db", str(db), "runs", "show", str(big), "--script")
    assert failed.exit_code == 1
    assert failed.stderr.startswith(f"error: execution:{big} (train-")
    assert "has no recorded notebook script: the notebook's script is 1,048,5" in failed.stderr
    data = json.loads(
        invoke("--db", str(db), "runs", "compare", str(small), str(big), "--json").stdout
    )
    (diff,) = data["notebook_cells"]
    assert diff["cells"] == []
    assert diff["note"].startswith(f"execution:{big} has no recorded notebook script (the ")
    assert diff["note"].endswith("bytes, above the 1,048,576-byte limit)")


def test_a_notebook_run_against_a_script_run(tmp_path: Path, in_notebook: Any, write: Any) -> None:
    db, path = tmp_path / "runs.db", tmp_path / "n.ipynb"
    write_notebook(path, [("code", "x = 1")])
    in_notebook(path)
    notebook_run = run_in(path, db, 0.1)
    in_notebook(None)
    with lineage.run(
        "train",
        params={"lr": 0.2},
        store=db,
        capture=OFF,
        entry_point=write("train.py", "print(1)\n"),
    ) as script_run:
        pass
    out = invoke("--db", str(db), "runs", "compare", str(notebook_run), str(script_run.id)).stdout
    a, b = f"execution:{notebook_run}", f"execution:{script_run.id}"
    assert f"Notebook cells: {a} → {b}: {b} is not a notebook run" in out


def test_runs_that_are_not_notebooks_compare_as_before(tmp_path: Path, write: Any) -> None:
    db = tmp_path / "runs.db"
    ids = []
    for lr, text in ((0.1, "print(1)\n"), (0.2, "print(2)\n")):
        with lineage.run(
            "train", params={"lr": lr}, store=db, capture=OFF, entry_point=write("train.py", text)
        ) as run:
            pass
        ids.append(str(run.id))
    out = invoke("--db", str(db), "runs", "compare", *ids).stdout
    assert "entry_point_sha256" in out
    assert "Notebook" not in out
    data = json.loads(invoke("--db", str(db), "runs", "compare", *ids, "--json").stdout)
    assert "notebook_cells" not in data
    shown = invoke("--db", str(db), "runs", "show", ids[0]).stdout
    assert "notebook_script" not in shown
