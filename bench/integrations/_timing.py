"""What every integration benchmark shares: timing fits with and without lineage, and the CLI."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

__all__ = ["interleaved", "main"]


def interleaved(fit: Callable[[bool, int], float], reps: int) -> tuple[float, float]:
    """(median seconds without lineage, median with it) of ``fit(record, index)``.

    One fit of each kind first as a warm-up (not timed), then ``reps`` of each, alternating,
    so drift in the machine's load hits both alike.
    """
    fit(False, 0)
    fit(True, 0)
    plain: list[float] = []
    recorded: list[float] = []
    for i in range(1, reps + 1):
        plain.append(fit(False, i))
        recorded.append(fit(True, i))
    return statistics.median(plain), statistics.median(recorded)


def main(measure: Callable[[int], tuple[float, float]], doc: str, what: str, reps: int = 3) -> None:
    """``python bench/integrations/<x>_bench.py [--reps N]``: print both medians."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--reps", type=int, default=reps)
    args = parser.parse_args()
    plain, recorded = measure(args.reps)
    print(f"{what} without lineage: {plain * 1000:.1f} ms (median of {args.reps})")
    print(f"{what} with lineage: {recorded * 1000:.1f} ms (+{(recorded - plain) * 1000:.1f} ms)")
