"""Helpers for the tracking tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` (with an identity) and return its output."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def props(node: Any) -> dict[str, Any]:
    """A node's custom properties as plain Python values."""
    from lineage.track.runs import plain

    return {k: plain(v) for k, v in node.custom_properties.items()}


def record_runs(args: tuple[str, str, int, int]) -> list[int]:
    """Record ``count`` runs reading ``<folder>/shared.csv`` (for multiprocessing workers)."""
    import lineage

    url, folder, worker, count = args
    ids = []
    for k in range(count):
        with lineage.run(
            "train",
            params={"worker": worker, "k": k},
            inputs=[os.path.join(folder, "shared.csv")],
            experiment="concurrent",
            store=url,
            capture={"git": False},
        ) as run:
            run.output(os.path.join(folder, "same-output.bin"))
        ids.append(int(run.id or 0))
    return ids
