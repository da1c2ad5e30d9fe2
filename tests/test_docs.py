"""The documentation points at things that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    names |= {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    return names


def test_every_listed_mlmd_difference_names_tests_that_exist() -> None:
    text = (ROOT / "docs" / "mlmd-differences.md").read_text()
    rows = [line for line in text.splitlines() if re.match(r"\| [SLFA]\d+ \|", line)]
    assert len(rows) >= 20
    for row in rows:
        references = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?", row)
        cell = row.rsplit("|", 2)[-2]
        names_in_cell = re.findall(r"`(?:::)?(\w+)(?:\[[\w-]+\])?`", cell)
        assert references or names_in_cell, f"no test named for: {row[:60]}"
        for path, name in references:
            assert (ROOT / path).is_file(), f"{path} does not exist ({row[:40]})"
            if name:
                assert name in _test_names(ROOT / path), f"{path}::{name} does not exist"
        default = ROOT / "tests" / "store" / "test_filters.py"
        for name in names_in_cell:
            if not references and name.startswith(("test_", "FIXED", "SEMANTICS")):
                assert name in _test_names(default), f"test_filters.py::{name} does not exist"
