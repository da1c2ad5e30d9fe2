"""What lineage's lineage queries cost in SQL alone, against ml-metadata (issue 3's targets).

Run it where both libraries are importable::

    .venv-mlmd/bin/python bench/sql_floor.py                 # N = 100,000 (built if missing)
    .venv-mlmd/bin/python bench/sql_floor.py -n 10000 --write

For ``get_lineage_subgraph`` upstream from the workload's final model and downstream from its
root dataset (``bench/workload.py``, SQLite file), with the default field mask and with nodes and
events only, it times ml-metadata's call and lineage's call (interleaved, medians), then runs
lineage's call once more with SQLite's trace callback, which hands over every statement the call
sends with its values written in, and replays those statements on a fresh ``sqlite3`` connection
(median of ``--reps`` each). Their sum is what lineage would take if everything it does in
Python (building the messages, applying MLMD's rules) cost nothing: the floor that the schema and
SQLite set. ``ml-metadata / SQL floor`` is the most speed-up any Python code could reach on this
database; when it is below a target, the target cannot be met by lineage's Python side.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _sections import fmt_ms, median, replace_section, time_round_robin  # noqa: E402
from lineage_bench import NODES_AND_EVENTS, TARGETS, _query, open_store  # noqa: E402
from workload import build_workload  # noqa: E402

SECTION = "## SQL floor of the lineage queries"


def traced_statements(store: Any, call: Any) -> list[str]:
    """The statements ``call()`` sends on this thread's connection of ``store``."""
    conn = store._backend._connection()  # the connection the store's calls use on this thread
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [s for s in seen if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]


def replay(path: str, statements: list[str], reps: int) -> tuple[float, int]:
    """The summed median time (ms) of running each statement to its last row; rows fetched."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total, rows = 0.0, 0
    try:
        for text in statements:
            _, times = time_round_robin({"q": lambda t=text: conn.execute(t).fetchall()}, 1, reps)
            total += median(times["q"])
            rows += len(conn.execute(text).fetchall())
    finally:
        conn.close()
    return total, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--executions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="replace the README section")
    args = parser.parse_args(argv)

    info = build_workload(args.executions, args.seed, "sqlite", log=print)
    mlmd, lin = open_store("mlmd", info), open_store("lineage", info)
    lines = [
        "| walk | mask | ml-metadata | lineage | SQL floor (statements, rows) "
        "| ml-metadata / SQL floor | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for walk, start in (("upstream", info.final_model_id), ("downstream", info.root_dataset_id)):
        for mask_name, mask in (("default", None), ("nodes+events", list(NODES_AND_EVENTS))):
            mlmd_options = _query(start, walk, 100)
            lineage_options = _query(start, walk, None)
            calls = {
                "mlmd": lambda o=mlmd_options, m=mask: mlmd.get_lineage_subgraph(o, m),
                "lineage": lambda o=lineage_options, m=mask: lin.get_lineage_subgraph(o, m),
            }
            _, times = time_round_robin(calls, 2, args.reps)
            statements = traced_statements(lin, calls["lineage"])
            floor, rows = replay(str(info.sqlite_path), statements, args.reps)
            theirs, mine = median(times["mlmd"]), median(times["lineage"])
            target = f"≥ {TARGETS[mask_name]:g}×"
            lines.append(
                f"| {walk} | {mask_name} | {fmt_ms(theirs)} | {fmt_ms(mine)} | {fmt_ms(floor)} "
                f"({len(statements)}, {rows:,}) | {theirs / floor:.1f}× | {target} |"
            )
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = (
            f"{SECTION}\n\n"
            "`bench/sql_floor.py` replays, with Python's `sqlite3` alone, the statements lineage's "
            "`get_lineage_subgraph` sends (captured with SQLite's trace callback), and compares "
            "their summed time with both libraries' calls on the same SQLite file "
            f"(N = {args.executions:,}, workload of `workload.py`; medians of {args.reps}). "
            "The floor is what lineage would take if building the answer in Python cost nothing; "
            "`ml-metadata / SQL floor` is the most speed-up any Python code could reach on this "
            "schema.\n\n" + table + "\n"
        )
        replace_section(SECTION, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
