"""Doctests in ``lineage/`` see ``lineage`` and ``proto`` (the MLMD messages) without imports."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, Any]) -> None:
    import lineage
    from lineage import proto

    doctest_namespace["lineage"] = lineage
    doctest_namespace["proto"] = proto
