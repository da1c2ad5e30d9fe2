"""The notebooks under notebooks/ run to completion and match their paired jupytext scripts.

Each notebook runs with nbclient on the ``python3`` kernel (``make`` installs it into .venv) in a
temporary directory, with ``LINEAGE_DB`` pointing to a store there. Notebooks are committed
without outputs; the ``.py`` (jupytext percent format) is the source, regenerate the notebook
with ``.venv/bin/jupytext --sync notebooks/NAME.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

import lineage
from lineage.proto import Execution

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Seconds a notebook may take in the test (kernel start included).
TIME_LIMIT = 60


def _id(path: Path) -> str:
    return path.stem


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS if p.name == "01-tracking.ipynb"] == ["01-tracking.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_the_notebook_matches_its_script_and_has_no_outputs(path: Path) -> None:
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired {script.name}"
    notebook = nbformat.read(path, as_version=4)
    paired = jupytext.read(script)
    cells = [(c.cell_type, c.source) for c in notebook.cells]
    assert cells == [(c.cell_type, c.source) for c in paired.cells], (
        f"{path.name} and {script.name} differ; run: .venv/bin/jupytext --sync {script}"
    )
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], "outputs are committed"
            assert cell.execution_count is None, "execution counts are committed"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_the_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_path = tmp_path / "lineage.db"
    monkeypatch.setenv("LINEAGE_DB", str(store_path))
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # as Jupyter tells a kernel its notebook
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.delenv("LINEAGE_NO_CAPTURE", raising=False)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIME_LIMIT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    started = time.monotonic()
    client.execute()
    took = time.monotonic() - started
    assert took < TIME_LIMIT
    errors = [
        o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert errors == []
    if path.stem == "01-tracking":
        _check_tracking(store_path, path)


def _check_tracking(store_path: Path, notebook: Path) -> None:
    """Two complete training runs, recorded from the notebook, on one shared dataset."""
    with lineage.MetadataStore(str(store_path)) as store:
        runs = store.get_executions_by_type("train")
        assert [r.last_known_state for r in runs] == [Execution.COMPLETE] * 2
        entry_points = {r.custom_properties["code.entry_point"].string_value for r in runs}
        assert entry_points == {os.path.relpath(notebook, ROOT)}
        inputs = {
            e.artifact_id
            for e in store.get_events_by_execution_ids([r.id for r in runs])
            if e.path.steps[0].key == "data"
        }
        assert len(inputs) == 1
