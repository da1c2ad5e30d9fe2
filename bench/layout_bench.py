"""Server-side layout (``lineage.render.layout``, layered engine) at 500, 2,000 and 5,000 nodes.

    .venv/bin/python bench/layout_bench.py            # --sizes 500 2000 5000 --reps 7

The graphs are pipeline-shaped (``tests/render/synthetic.py``), drawn whole (``max_nodes=None``,
``collapse_threshold=None``). "prepare" reads the graph into the scene every format shares
(``_reduce.prepare``); "positions" is what ``layout`` adds on a prepared scene (ranking,
ordering, coordinates, the result objects); "total" is one ``layout()`` call. Medians of
``--reps`` runs.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lineage.render._layout as layout_module  # noqa: E402
from lineage.render._options import make_options  # noqa: E402
from lineage.render._reduce import prepare  # noqa: E402
from tests.render.synthetic import pipeline_graph  # noqa: E402

OPTIONS: dict[str, Any] = {"max_nodes": None, "collapse_threshold": None, "engine": "layered"}


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _prepared(ready: Any, graph: Any, options: Any) -> Any:
    return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    print("| nodes | edges | prepare | positions | total |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        graph = pipeline_graph(size)
        run = functools.partial(layout_module.layout, graph, **OPTIONS)
        placed = run()
        total = _median_ms(run, args.reps)
        options = make_options(max_nodes=None, collapse_threshold=None)
        scene = _median_ms(functools.partial(prepare, graph, options), args.reps)
        ready = prepare(graph, options)
        layout_module.prepare = functools.partial(_prepared, ready)  # the layout step alone
        try:
            positions = _median_ms(run, args.reps)
        finally:
            layout_module.prepare = prepare
        print(
            f"| {len(placed.nodes):,} | {len(placed.edges):,} | {scene:.0f} ms "
            f"| {positions:.0f} ms | {total:.0f} ms |"
        )


if __name__ == "__main__":
    main()
