"""The Python snippets of docs/tracking.md's integration sections run as a user would run them.

Each section's ``python`` blocks run in order as one script (a later block may use what an
earlier one made, as in a notebook), in a fresh folder and interpreter of this environment (the
frameworks' venv), with ``LINEAGE_DB`` unset; a snippet that raises fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "tracking.md"
#: Sections whose snippets need something a test folder does not have (recorded runs by name).
NOT_RUN = {"TensorBoard", "Notebooks"}
FIRST = "Data versions from DVC, Git LFS, Delta Lake, lakeFS and object stores"


def sections() -> dict[str, list[str]]:
    text = DOC.read_text()
    start = text.index(f"## {FIRST}")
    found: dict[str, list[str]] = {}
    current = None
    for line_block in re.split(r"^(#{2,3} .+)$", text[start:], flags=re.M):
        heading = re.match(r"^#{2,3} (.+)$", line_block)
        if heading:
            current = heading.group(1).strip()
            continue
        if current is None or current in NOT_RUN:
            continue
        blocks = re.findall(r"^```python\n(.*?)^```", line_block, flags=re.S | re.M)
        if blocks:
            found.setdefault(current, []).extend(blocks)
    return found


SECTIONS = sections()


def test_the_integration_sections_have_snippets() -> None:
    for name in ("DVC", "Git LFS", "Delta Lake", "Hugging Face datasets", "scikit-learn", "Keras"):
        assert name in SECTIONS, f"docs/tracking.md has no runnable snippet under {name!r}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_snippets_run(section: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LINEAGE_DB"}
    env.update({"KERAS_BACKEND": "torch", "HF_HUB_OFFLINE": "1", "DVC_NO_ANALYTICS": "1"})
    code = "\n".join(SECTIONS[section])
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{section} snippets:\n{code}\n{done.stderr[-3000:]}"
