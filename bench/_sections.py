"""Shared helpers of the benchmark scripts: README sections, timing, formatting, machine facts."""

from __future__ import annotations

import gc
import math
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "README",
    "fmt_ms",
    "fmt_rate",
    "git_state",
    "machine",
    "median",
    "p90",
    "replace_section",
    "time_round_robin",
]

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"


def replace_section(heading: str, text: str, path: Path = README) -> None:
    """Replace (or append) the ``heading`` section (up to the next ``## ``) of a Markdown file."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip() + "\n\n", current, count=1)
    else:
        updated = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(updated.rstrip() + "\n")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def p90(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def time_round_robin(
    calls: dict[str, Callable[[], Any]], warmup: int, reps: int
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Time each call ``reps`` times, round-robin, the order rotating each round.

    Returns the last result of each call and its times in ms. Interleaving puts every call
    under the same background load, so ratios stay fair on a shared machine.
    """
    results: dict[str, Any] = {}
    for _ in range(warmup):
        for key, call in calls.items():
            results[key] = call()
    keys = list(calls)
    times: dict[str, list[float]] = {k: [] for k in keys}
    for rep in range(reps):
        shift = rep % len(keys)
        for key in keys[shift:] + keys[:shift]:
            gc.collect()
            started = time.perf_counter()
            results[key] = calls[key]()
            times[key].append((time.perf_counter() - started) * 1000)
    return results, times


def fmt_ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:,.1f} ms"
    return f"{value:,.2f} ms"


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s" if value >= 100 else f"{value:,.1f}/s"


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}, "
        f"CPython {platform.python_version()}"
    )


def git_state(repo: Path = HERE.parent) -> str:
    """HEAD's short hash, with '+ uncommitted changes under lineage/' when the tree differs."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "lineage"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes under lineage/" if dirty else "")
