"""Fixtures of the render tests: Graphviz availability and golden files.

Tests that draw with Graphviz use the ``dot`` fixture. Without the ``dot`` binary they are
skipped with the reason shown, except in CI (``CI=true``), where they fail: ``make test-unit``
installs Graphviz first (``make graphviz``).

Golden files live in ``tests/render/golden/``; regenerate them after an intended change with
``LINEAGE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/render`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from lineage.render import graphviz_available

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_ENV = "LINEAGE_UPDATE_GOLDEN"


def require_graphviz() -> None:
    """Skip (with the reason) without Graphviz; fail instead in CI."""
    if graphviz_available():
        return
    message = "Graphviz `dot` is not installed (make graphviz, or apt-get install graphviz)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def dot() -> None:
    """Require Graphviz's ``dot`` binary."""
    require_graphviz()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``golden/NAME`` exactly (or rewrite it when updating)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get(UPDATE_ENV):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"{path} is missing; create it with {UPDATE_ENV}=1"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from its golden file "
            f"(regenerate with {UPDATE_ENV}=1 and review the diff)"
        )

    return check


@pytest.fixture
def no_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make the ``dot`` binary unfindable."""
    monkeypatch.setenv("LINEAGE_GRAPHVIZ_DOT", str(tmp_path / "no-such-dot"))
