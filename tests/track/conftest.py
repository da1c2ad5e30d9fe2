"""Fixtures for the tracking tests: a clean slate per test, files, and a git repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lineage.track import hashing, stores
from tests.track.helpers import git


@pytest.fixture(autouse=True)
def _clean_slate(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No store, cache or capture setting leaks from one test into the next."""
    monkeypatch.delenv("LINEAGE_DB", raising=False)
    monkeypatch.delenv("LINEAGE_NO_CAPTURE", raising=False)
    monkeypatch.delenv("LINEAGE_REDACT", raising=False)
    yield
    stores.close_stores()
    stores.clear_caches()
    hashing.clear_cache()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a file under tmp_path: ``write("data/a.csv", "text")`` → its path."""

    def _write(name: str, content: str | bytes = "x\n") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return _write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit on branch ``main`` holding ``train.py``."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "train.py").write_text("print('train')\n")
    git(root, "add", "train.py")
    git(root, "commit", "-q", "-m", "first")
    return root
