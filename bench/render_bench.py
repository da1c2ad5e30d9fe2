"""Rendering: DOT generation and SVG drawing time for 100, 1,000 and 10,000-node lineage graphs.

    .venv/bin/python bench/render_bench.py                  # 100, 1,000, 10,000 nodes
    .venv/bin/python bench/render_bench.py --sizes 100 1000 --reps 5
    .venv/bin/python bench/render_bench.py --write          # also update bench/README.md

The graphs are pipeline-shaped (``tests/render/synthetic.py``: versioned raw data, shared
environments and configs, TFX-like runs, sweeps, failures; seeded, so every run draws the same
graph). Each size is drawn twice:

* **default**: the default options (``max_nodes=300``, ``collapse_threshold=8``), what
  ``lineage render`` and notebooks do;
* **everything**: ``max_nodes=None`` (no node budget; fan-outs are still collapsed and shared
  nodes still copied; edge labels are left out automatically from 2,000 drawn nodes on).

"DOT" is ``lineage.render.to_dot`` (reading the graph, collapsing, cutting, writing the text);
"SVG" is Graphviz's ``dot -Tsvg`` on that text. Times are medians of ``--reps`` runs (one run
for drawings that take over 10 s).
"""

from __future__ import annotations

import argparse
import functools
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import lineage.render as render  # noqa: E402
from lineage.render._graphviz import run_dot  # noqa: E402
from lineage.render._options import make_options  # noqa: E402
from lineage.render._reduce import prepare  # noqa: E402
from tests.render.synthetic import pipeline_graph  # noqa: E402

README = HERE / "README.md"
HEADING = "## Rendering"


def _median(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if times[-1] > 10:
            break
    return statistics.median(times)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def run(sizes: list[int], reps: int) -> str:
    """Measure every size; return the Markdown table."""
    rows = [
        "| nodes (artifacts + executions) | events | options | nodes drawn (+ copies, marks) "
        "| DOT | SVG |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for size in sizes:
        graph = pipeline_graph(size)
        total = len(graph.artifacts) + len(graph.executions)
        for label, options in (("default", {}), ("everything", {"max_nodes": None})):
            scene, _ = prepare(graph, make_options(**options))
            extra = sum(1 for n in scene.nodes.values() if n.kind in ("ref", "cut"))
            drawn = f"{len(scene.nodes) - extra:,} (+{extra:,})"
            dot_time = _median(functools.partial(render.to_dot, graph, **options), reps)
            text = render.to_dot(graph, **options)
            svg_time = _median(functools.partial(run_dot, text, "svg", timeout=3600), reps)
            row = (
                f"| {total:,} | {len(graph.events):,} | {label} | {drawn} | "
                f"{_fmt(dot_time)} | {_fmt(svg_time)} |"
            )
            rows.append(row)
            print(row, flush=True)
    return "\n".join(rows)


def _environment() -> str:
    dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False)
    version = (dot.stderr or dot.stdout).strip()
    return (
        f"{platform.system()} {platform.release()}, CPython {platform.python_version()}, {version}"
    )


def write_readme(table: str, path: Path = README) -> None:
    """Replace (or append) the "Rendering" section of bench/README.md."""
    section = "\n".join(
        [
            HEADING,
            "",
            "`bench/render_bench.py` times `lineage.render.to_dot` (DOT generation: reading the",
            "graph, collapsing, cutting, writing) and Graphviz's `dot -Tsvg` (SVG drawing) on",
            "pipeline-shaped graphs of 100, 1,000 and 10,000 nodes, with the default options",
            "(`max_nodes=300`) and with no node budget (`max_nodes=None`).",
            "",
            "```sh",
            ".venv/bin/python bench/render_bench.py --write",
            "```",
            "",
            f"Results on the development VM (2 vCPUs, shared with other jobs; {_environment()}):",
            "",
            table,
            "",
            "With the default budget every size draws in a few seconds: the budget keeps the 300",
            "nodes nearest the focus (else the most recent runs) and marks what it left out.",
            "Without it, Graphviz's layout grows faster than linearly: 10,000 nodes take about a",
            "minute even with edge labels left out (they are extra nodes for Graphviz, so from",
            "2,000 drawn nodes on they are dropped, with a note); `render()` and the CLI stop",
            "Graphviz after `timeout` seconds (300 by default) with a clear error.",
            "",
        ]
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000])
    parser.add_argument("--reps", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args(argv)
    if not render.graphviz_available():
        print(f"Graphviz is needed for the SVG column: {render.INSTALL_HINT}", file=sys.stderr)
        return 1
    table = run(args.sizes, args.reps)
    print()
    print(table)
    if args.write:
        write_readme(table)
        print(f"\nwrote the table to {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
