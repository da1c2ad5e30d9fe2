"""Fixtures for the integration tests: a clean slate, a SQLite store file and the CLI.

These tests run the real frameworks (``make test-integrations`` runs them in .venv-frameworks,
which tests/integrations/requirements.txt pins); a framework missing there is an error, not a
skip, unless LINEAGE_ALLOW_MISSING_FRAMEWORKS=1 says this environment does not have them.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lineage.cli import cli
from lineage.track import hashing, stores

#: Captures switched off in tests that compare runs (no environment or git noise).
OFF = {"environment": False, "git": False}


def framework(name: str) -> ModuleType:
    """Import a framework the test needs; only an environment that says so may lack it."""
    if os.environ.get("LINEAGE_ALLOW_MISSING_FRAMEWORKS") == "1":
        return pytest.importorskip(name)
    return importlib.import_module(name)


@pytest.fixture(autouse=True)
def _clean_slate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("LINEAGE_DB", raising=False)
    monkeypatch.delenv("LINEAGE_NO_CAPTURE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    # What a framework writes next to the script (checkpoints, ./lineage-artifacts) stays in
    # the test's folder, never in the checkout.
    monkeypatch.setenv("LINEAGE_ARTIFACTS", str(tmp_path / "lineage-artifacts"))
    monkeypatch.chdir(tmp_path)
    yield
    stores.close_stores()
    stores.clear_caches()
    hashing.clear_cache()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite store file for the test."""
    return str(tmp_path / "lineage.db")


def invoke(*args: str) -> Result:
    """Run the ``lineage`` CLI in-process; the output is what a user would read."""
    return CliRunner().invoke(cli, list(args), prog_name="lineage", catch_exceptions=False)


def run_json(db: str, run: str | int | None) -> dict[str, Any]:
    """What ``lineage runs show RUN --json`` prints, parsed."""
    result = invoke("--db", db, "runs", "show", str(run), "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.output)
    return shown


def runs_json(db: str) -> list[dict[str, Any]]:
    """What ``lineage runs ls --json`` prints, parsed."""
    result = invoke("--db", db, "runs", "ls", "--json")
    assert result.exit_code == 0, result.output
    runs: list[dict[str, Any]] = json.loads(result.output)
    return runs
