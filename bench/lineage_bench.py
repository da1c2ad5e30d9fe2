"""Deep lineage queries: lineage against ml-metadata 1.17.1, same run, same database (issue 3).

Run it in the environment where both libraries are importable::

    .venv-mlmd/bin/python bench/lineage_bench.py --quick          # N=2,000, under a minute
    .venv-mlmd/bin/python bench/lineage_bench.py                  # N=10,000 and 100,000
    .venv-mlmd/bin/python bench/lineage_bench.py -n 100000 --dialect sqlite --reps 15

For each N and database (a SQLite file; MariaDB at ``$LINEAGE_TEST_MYSQL_URL``), the workload of
``bench/workload.py`` is built once (cached under ``bench/.cache/``), then both libraries open the
same database and walk it upstream from a final model (the end of a 50-step chain: 100 hops) and
downstream from the root dataset with the largest downstream:

* ml-metadata ``get_lineage_subgraph`` (``max_num_hops=100``, its maximum and the workload's full
  depth), with the default field mask and with ``["artifacts", "executions", "events"]``;
* lineage ``get_lineage_subgraph`` with the same options, once with ``max_num_hops=100`` and once
  with it unset (lineage walks to the end), both masks;
* ``lineage.graph.upstream`` / ``downstream(..., ids_only=True)``;
* ``lineage.graph.provenance`` (upstream) and ``lineage.graph.impact`` (downstream).

Every lineage answer is compared with ml-metadata's (artifact, execution and event sets; with the
default mask also contexts, attributions, associations and types); a difference prints FAIL.
Times are the median and p90 of ``--reps`` calls after ``--warmup`` calls. Peak memory is measured
per operation in a fresh process (see ``bench/_memory.py``). The table is printed and, for runs
that are not ``--quick``, written to ``bench/README.md`` under "Lineage queries".
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _memory import MemoryResult, child_report, measure, measure_in_subprocess  # noqa: E402
from _sections import p90, replace_section  # noqa: E402
from workload import DEFAULT_MYSQL_URL, WorkloadInfo, build_workload  # noqa: E402

README = HERE / "README.md"
SECTION = "## Lineage queries"
SECTION_OPTIMIZED = "## Lineage queries after `lineage db optimize`"
NODES_AND_EVENTS = ("artifacts", "executions", "events")
MLMD_MAX_HOPS = 100
TARGETS = {"default": 3.0, "nodes+events": 5.0, "ids": 10.0}
TARGET_N = 100_000


# ----------------------------------------------------------------------------- operations
@dataclass(frozen=True)
class Op:
    """One measured call."""

    key: str
    library: str  # 'mlmd' or 'lineage'
    label: str
    mask: str | None = None  # 'default' or 'nodes+events' (get_lineage_subgraph)
    hops: int | None = None
    reference: str | None = None  # the ml-metadata op this one is compared with
    target: str | None = None  # key of TARGETS


OPS = (
    Op("mlmd-default", "mlmd", "ml-metadata get_lineage_subgraph", "default", MLMD_MAX_HOPS),
    Op("mlmd-ne", "mlmd", "ml-metadata get_lineage_subgraph", "nodes+events", MLMD_MAX_HOPS),
    Op(
        "lin-default",
        "lineage",
        "lineage get_lineage_subgraph",
        "default",
        None,
        "mlmd-default",
        "default",
    ),
    Op(
        "lin-ne",
        "lineage",
        "lineage get_lineage_subgraph",
        "nodes+events",
        None,
        "mlmd-ne",
        "nodes+events",
    ),
    Op(
        "lin-default-100",
        "lineage",
        "lineage get_lineage_subgraph",
        "default",
        MLMD_MAX_HOPS,
        "mlmd-default",
        "default",
    ),
    Op(
        "lin-ne-100",
        "lineage",
        "lineage get_lineage_subgraph",
        "nodes+events",
        MLMD_MAX_HOPS,
        "mlmd-ne",
        "nodes+events",
    ),
    Op("lin-ids", "lineage", "lineage {walk}(ids_only=True)", None, None, "mlmd-ne", "ids"),
    Op("lin-report", "lineage", "lineage {report}", None, None, "mlmd-default", None),
)
OPS_BY_KEY = {op.key: op for op in OPS}
WALKS = ("upstream", "downstream")


def op_label(op: Op, walk: str) -> str:
    report = "provenance" if walk == "upstream" else "impact"
    return op.label.format(walk=walk, report=report)


def mlmd_config(info: WorkloadInfo) -> Any:
    """ml-metadata's ``ConnectionConfig`` for the workload's database."""
    from ml_metadata.proto import metadata_store_pb2 as mpb

    config = mpb.ConnectionConfig()
    if info.dialect == "sqlite":
        config.sqlite.filename_uri = str(info.sqlite_path)
        config.sqlite.connection_mode = mpb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    import sqlalchemy as sa

    url = sa.make_url(info.url)
    config.mysql.host = url.host or "127.0.0.1"
    config.mysql.port = int(url.port or 3306)
    config.mysql.user = url.username or "root"
    config.mysql.password = url.password or ""
    config.mysql.database = url.database or ""
    return config


def open_store(library: str, info: WorkloadInfo) -> Any:
    if library == "mlmd":
        import ml_metadata

        return ml_metadata.MetadataStore(mlmd_config(info))
    import lineage

    return lineage.MetadataStore(info.url)


def _query(start: int, walk: str, hops: int | None) -> Any:
    from lineage.proto import metadata_store_pb2 as pb

    options = pb.LineageSubgraphQueryOptions()
    options.starting_artifacts.filter_query = f"id = {int(start)}"
    options.direction = (
        pb.LineageSubgraphQueryOptions.UPSTREAM
        if walk == "upstream"
        else pb.LineageSubgraphQueryOptions.DOWNSTREAM
    )
    if hops is not None:
        options.max_num_hops = hops
    return options


def make_call(op: Op, store: Any, walk: str, start: int) -> Callable[[], Any]:
    """A zero-argument callable that runs ``op`` once."""
    if op.mask is not None:
        options = _query(start, walk, op.hops)
        mask = list(NODES_AND_EVENTS) if op.mask == "nodes+events" else None
        return lambda: store.get_lineage_subgraph(options, mask)
    from lineage.graph import downstream, impact, provenance, upstream

    if op.key == "lin-ids":
        fn = upstream if walk == "upstream" else downstream
        return lambda: fn(store, start, ids_only=True)
    if walk == "upstream":
        return lambda: provenance(store, start)
    return lambda: impact(store, start)


# ----------------------------------------------------------------------------- answers
@dataclass
class Answer:
    """A result reduced to comparable sets."""

    artifacts: frozenset[int]
    executions: frozenset[int]
    events: frozenset[tuple[Any, ...]] | None = None
    extra: dict[str, frozenset[Any]] = field(default_factory=dict)

    @property
    def size(self) -> str:
        events = "-" if self.events is None else f"{len(self.events):,}"
        return f"{len(self.artifacts):,}/{len(self.executions):,}/{events}"


def _graph_answer(graph: Any, full: bool) -> Answer:
    events = frozenset(
        (
            e.artifact_id,
            e.execution_id,
            e.type,
            e.milliseconds_since_epoch,
            tuple(s.key if s.HasField("key") else s.index for s in e.path.steps),
        )
        for e in graph.events
    )
    extra: dict[str, frozenset[Any]] = {}
    if full:
        extra = {
            "contexts": frozenset(c.id for c in graph.contexts),
            "attributions": frozenset((a.artifact_id, a.context_id) for a in graph.attributions),
            "associations": frozenset((a.execution_id, a.context_id) for a in graph.associations),
            "artifact_types": frozenset(t.id for t in graph.artifact_types),
            "execution_types": frozenset(t.id for t in graph.execution_types),
            "context_types": frozenset(t.id for t in graph.context_types),
        }
    return Answer(
        frozenset(a.id for a in graph.artifacts),
        frozenset(x.id for x in graph.executions),
        events,
        extra,
    )


def answer_of(op: Op, result: Any) -> Answer:
    if op.mask is not None:
        return _graph_answer(result, op.mask == "default")
    if op.key == "lin-ids":
        return Answer(frozenset(result.artifact_ids), frozenset(result.execution_ids))
    # provenance / impact: the walk they built on, hydrated in full
    return _graph_answer(result.lineage.lineage_graph, True)


def compare(ours: Answer, theirs: Answer) -> str:
    """'same', or FAIL with what differs."""
    problems = []
    for name in ("artifacts", "executions"):
        a, b = getattr(ours, name), getattr(theirs, name)
        if a != b:
            problems.append(f"{name} {len(a)}≠{len(b)} (+{len(a - b)} -{len(b - a)})")
    if ours.events is not None and theirs.events is not None and ours.events != theirs.events:
        problems.append(f"events {len(ours.events)}≠{len(theirs.events)}")
    for name, values in ours.extra.items():
        other = theirs.extra.get(name)
        if other is not None and values != other:
            problems.append(f"{name} {len(values)}≠{len(other)}")
    return "same" if not problems else "FAIL: " + "; ".join(problems)


# ----------------------------------------------------------------------------- measuring
@dataclass
class Row:
    """One measured operation."""

    n: int
    dialect: str
    walk: str
    op: str
    label: str
    mask: str | None
    hops: int | None
    size: str
    times_ms: list[float]
    median_ms: float
    p90_ms: float
    answer: str
    memory: MemoryResult | None = None
    speedup: float | None = None
    target: float | None = None
    speed_ok: bool | None = None
    memory_ok: bool | None = None


class Failed:
    """The result of a call that raised (the operation is then left out of the timing)."""

    def __init__(self, exc: BaseException) -> None:
        self.message = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def _guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # a failing operation is reported in the table, not fatal
        return Failed(exc)


def time_interleaved(
    calls: dict[str, Callable[[], Any]], warmup: int, reps: int
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Time every call ``reps`` times, round-robin (the order rotates each round).

    Interleaving puts every operation under the same background load, so ratios stay fair on a
    busy machine. Returns the last result of each call (a :class:`Failed` when it raised) and
    its times (ms).
    """
    results: dict[str, Any] = {}
    for _ in range(max(1, warmup)):
        for key, call in calls.items():
            if not isinstance(results.get(key), Failed):
                results[key] = _guarded(call)
    times: dict[str, list[float]] = {key: [] for key in calls}
    keys = [key for key in calls if not isinstance(results[key], Failed)]
    for rep in range(reps):
        shift = rep % max(1, len(keys))
        for key in keys[shift:] + keys[:shift]:
            gc.collect()
            started = time.perf_counter()
            result = calls[key]()
            times[key].append((time.perf_counter() - started) * 1000)
            del result
    return results, times


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_database(info: WorkloadInfo, args: argparse.Namespace) -> list[Row]:
    """Time (and check) every operation on one workload database."""
    stores = {"mlmd": open_store("mlmd", info), "lineage": open_store("lineage", info)}
    starts = {"upstream": info.final_model_id, "downstream": info.root_dataset_id}
    rows: list[Row] = []
    try:
        for walk in WALKS:
            calls = {op.key: make_call(op, stores[op.library], walk, starts[walk]) for op in OPS}
            results, times = time_interleaved(calls, args.warmup, args.reps)
            answers = {
                op.key: answer_of(op, results[op.key])
                for op in OPS
                if not isinstance(results[op.key], Failed)
            }
            for op in OPS:
                failed = results[op.key]
                if isinstance(failed, Failed):
                    answer = Answer(frozenset(), frozenset())
                    verdict = f"FAIL: {failed.message}"
                else:
                    answer = answers[op.key]
                    verdict = "reference"
                    reference = answers.get(op.reference or "")
                    if op.reference is not None:
                        verdict = (
                            compare(answer, reference)
                            if reference is not None
                            else "ml-metadata failed"
                        )
                row = Row(
                    n=info.n_executions,
                    dialect=info.dialect,
                    walk=walk,
                    op=op.key,
                    label=op_label(op, walk),
                    mask=op.mask,
                    hops=op.hops,
                    size=answer.size,
                    times_ms=[round(t, 3) for t in times[op.key]],
                    median_ms=statistics.median(times[op.key]) if times[op.key] else math.nan,
                    p90_ms=p90(times[op.key]) if times[op.key] else math.nan,
                    answer=verdict,
                )
                rows.append(row)
                _say(
                    f"  {info.dialect} N={info.n_executions:,} {walk:<10} {row.label:<36} "
                    f"{row.mask or '':<12} hops={row.hops!s:<4} {row.median_ms:9.2f} ms  "
                    f"{row.size}  {verdict}"
                )
    finally:
        close = getattr(stores["lineage"], "close", None)
        if close is not None:
            close()
        stores.clear()
        gc.collect()
    if args.memory:
        measure_memory(info, rows, starts, args.jobs, args.memory_repeats)
    judge(rows)
    return rows


def measure_memory(
    info: WorkloadInfo, rows: list[Row], starts: dict[str, int], jobs: int, repeats: int
) -> None:
    """Peak memory of every row's operation, each in a fresh process (``jobs`` at a time).

    Each operation is measured ``repeats`` times (each time in a new process) and the median
    is kept: small results are within the allocator's noise (a few hundred KiB). Running
    children side by side changes their times, not their memory: each has its own RSS.
    """
    from concurrent.futures import ThreadPoolExecutor

    info_file = info_path_of(info)
    script = str(Path(__file__).resolve())

    def run(row: Row) -> MemoryResult:
        results = [once(row) for _ in range(max(1, repeats))]
        good = [r for r in results if r.error is None]
        if not good:
            return results[0]
        return MemoryResult(
            rss_peak_kib=int(statistics.median(r.rss_peak_kib for r in good)),
            tracemalloc_peak_kib=int(statistics.median(r.tracemalloc_peak_kib for r in good)),
            rss_before_kib=int(statistics.median(r.rss_before_kib for r in good)),
        )

    def once(row: Row) -> MemoryResult:
        spec = {
            "info": str(info_file),
            "op": row.op,
            "walk": row.walk,
            "start": starts[row.walk],
            # The same walk once before the measured call: statements compiled, connections
            # open, SQLite's page cache holding the pages read (steady state, both libraries).
            "warm": starts[row.walk],
        }
        return measure_in_subprocess(script, spec)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for row, result in zip(rows, pool.map(run, rows), strict=True):
            row.memory = result
            _say(
                f"  memory {info.dialect} {row.walk:<10} {row.label:<36} {row.mask or '':<12} "
                f"hops={row.hops!s:<4} rss +{result.rss_peak_kib:,} KiB "
                f"py {result.tracemalloc_peak_kib:,} KiB {result.error or ''}"
            )


def judge(rows: list[Row]) -> None:
    """Speed-ups against ml-metadata, and PASS/FAIL per target."""
    by_key = {(r.n, r.dialect, r.walk, r.op): r for r in rows}
    for row in rows:
        op = OPS_BY_KEY[row.op]
        if op.reference is None:
            continue
        ref = by_key[(row.n, row.dialect, row.walk, op.reference)]
        row.speedup = ref.median_ms / row.median_ms if row.median_ms > 0 else None
        if op.target is not None:
            row.target = TARGETS[op.target]
            row.speed_ok = row.speedup is not None and row.speedup >= row.target
        mine, theirs = row.memory, ref.memory
        if mine is not None and theirs is not None and not (mine.error or theirs.error):
            row.memory_ok = mine.rss_peak_kib <= theirs.rss_peak_kib


def info_path_of(info: WorkloadInfo) -> Path:
    from workload import CACHE_DIR, workload_key

    return CACHE_DIR / f"lineage-{workload_key(info.n_executions, info.seed)}.{info.dialect}.json"


def memory_child(spec_text: str) -> int:
    """The ``--memory-child`` entry point: measure one operation, print JSON."""
    import ml_metadata  # noqa: F401 - both libraries imported: alike baselines

    import lineage  # noqa: F401
    import lineage.graph  # noqa: F401

    spec = json.loads(spec_text)
    info = WorkloadInfo.from_json(Path(spec["info"]).read_text())
    op = OPS_BY_KEY[spec["op"]]
    store = open_store(op.library, info)
    make_call(op, store, spec["walk"], int(spec["warm"]))()  # one-time costs (same walk)
    result = measure(make_call(op, store, spec["walk"], int(spec["start"])))
    child_report(result)
    return 0


# ----------------------------------------------------------------------------- output
def _ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _kib(value: int) -> str:
    return f"{value / 1024:,.1f} MiB" if value >= 1024 else f"{value:,} KiB"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "FAIL")


HEADERS = (
    "N",
    "DB",
    "walk",
    "operation",
    "mask",
    "hops",
    "a/x/e",
    "median ms",
    "p90 ms",
    "vs ml-metadata",
    "speed",
    "RSS peak",
    "py peak",
    "memory",
    "answer",
)


def cells(row: Row) -> list[str]:
    speed = ""
    if row.speedup is not None:
        speed = f"{row.speedup:,.1f}×"
        if row.target is not None:
            speed += f" (≥{row.target:g}×)"
    rss = py = ""
    if row.memory is not None:
        if row.memory.error:
            rss = py = "error"
        else:
            rss = _kib(row.memory.rss_peak_kib)
            py = _kib(row.memory.tracemalloc_peak_kib)
    return [
        f"{row.n:,}",
        "SQLite" if row.dialect == "sqlite" else "MariaDB",
        row.walk,
        row.label,
        row.mask or "",
        "unset" if row.hops is None else str(row.hops),
        row.size,
        _ms(row.median_ms),
        _ms(row.p90_ms),
        speed,
        _mark(row.speed_ok),
        rss,
        py,
        _mark(row.memory_ok),
        row.answer,
    ]


def print_table(rows: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Deep lineage queries: lineage vs ml-metadata 1.17.1 (same database)")
    for header in HEADERS:
        justify = "right" if header in ("N", "a/x/e", "median ms", "p90 ms", "RSS peak") else None
        table.add_column(header, justify=justify or "left")
    previous = None
    for row in rows:
        group = (row.n, row.dialect, row.walk)
        if previous is not None and group != previous:
            table.add_section()
        previous = group
        styled = cells(row)
        for i, text in enumerate(styled):
            if text == "PASS":
                styled[i] = "[green]PASS[/green]"
            elif text.startswith("FAIL"):
                styled[i] = f"[bold red]{text}[/bold red]"
        table.add_row(*styled)
    Console(width=250).print(table)


def markdown_table(rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows:
        texts = [c.replace("|", "\\|") for c in cells(row)]
        texts = [f"**{t}**" if t.startswith("FAIL") else t for t in texts]
        lines.append("| " + " | ".join(texts) + " |")
    return lines


def summary(rows: list[Row]) -> list[str]:
    """PASS/FAIL per target at N = TARGET_N (or the largest N run)."""
    if not rows:
        return []
    n = TARGET_N if any(r.n == TARGET_N for r in rows) else max(r.n for r in rows)
    lines = [
        f"| target (N = {n:,}, full depth) | DB | walk | lineage | ml-metadata | "
        "speed-up | result |",
        "|---|---|---|---|---|---|---|",
    ]
    by_key = {(r.n, r.dialect, r.walk, r.op): r for r in rows}
    names = {
        "lin-default": "get_lineage_subgraph, default mask, ≥ 3×",
        "lin-ne": "get_lineage_subgraph, nodes and events, ≥ 5×",
        "lin-ids": "ids only vs nodes-and-events subgraph, ≥ 10×",
    }
    for dialect in ("sqlite", "mysql"):
        for walk in WALKS:
            for key, name in names.items():
                row = by_key.get((n, dialect, walk, key))
                if row is None:
                    continue
                ref = by_key[(n, dialect, walk, OPS_BY_KEY[key].reference or "")]
                ok = row.speed_ok and row.answer == "same"
                lines.append(
                    f"| {name} | {'SQLite' if dialect == 'sqlite' else 'MariaDB'} | {walk} | "
                    f"{_ms(row.median_ms)} ms | {_ms(ref.median_ms)} ms | "
                    f"{(row.speedup or 0):.1f}× | {'PASS' if ok else '**FAIL**'} |"
                )
            mem = [
                r
                for r in rows
                if r.n == n and r.dialect == dialect and r.walk == walk and r.memory_ok is not None
            ]
            if mem:
                worst = max(
                    mem,
                    key=lambda r: r.memory.rss_peak_kib if r.memory else 0,
                )
                failed = [r for r in mem if not r.memory_ok]
                lines.append(
                    f"| peak RSS ≤ ml-metadata's (every lineage row) | "
                    f"{'SQLite' if dialect == 'sqlite' else 'MariaDB'} | {walk} | "
                    f"max {_kib(worst.memory.rss_peak_kib if worst.memory else 0)} | | | "
                    f"{'PASS' if not failed else '**FAIL** (' + str(len(failed)) + ' rows)'} |"
                )
    return lines


def workload_lines(infos: list[WorkloadInfo]) -> list[str]:
    lines = [
        "| N | DB | artifacts | executions | events | contexts | runs (deep) | max depth | "
        "upstream start (hops) | downstream start: a/x reached (hops) | build |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for info in infos:
        c = info.counts
        lines.append(
            f"| {info.n_executions:,} | {'SQLite' if info.dialect == 'sqlite' else 'MariaDB'} | "
            f"{c['artifacts']:,} | {c['executions']:,} | {c['events']:,} | {c['contexts']:,} | "
            f"{info.n_runs:,} ({info.n_deep_runs}) | {info.max_depth} executions | "
            f"artifact {info.final_model_id} "
            f"({info.extra.get('hops_upstream_from_final_model')}) | "
            f"artifact {info.root_dataset_id}: {info.root_downstream_artifacts:,}/"
            f"{info.root_downstream_executions:,} "
            f"({info.extra.get('hops_downstream_from_root')}) | {info.build_seconds:,.0f} s |"
        )
    return lines


def section(rows: list[Row], infos: list[WorkloadInfo], meta: dict[str, Any]) -> str:
    lines = [
        SECTION,
        "",
        "Issue 3's benchmark: deep lineage walks with `lineage` and with ml-metadata "
        f"{meta['ml_metadata']} in the same run, on the same database. Generated by "
        f"`bench/lineage_bench.py` on {meta['date']} ({meta['machine']}; {meta['reps']} timed "
        f"calls per operation, interleaved, after {meta['warmup']} warm-up calls; seed "
        f"{meta['seed']}; load average {meta['load_start']:.1f} at the start and "
        f"{meta['load_end']:.1f} at the end: the machine is shared, so absolute times are noisy; "
        "interleaving keeps the ratios fair).",
        "",
        "Run it (both libraries must be importable, so use `.venv-mlmd`):",
        "",
        "```",
        ".venv-mlmd/bin/python bench/lineage_bench.py --quick      # N=2,000, under a minute",
        ".venv-mlmd/bin/python bench/lineage_bench.py              # N=10,000 and 100,000",
        ".venv-mlmd/bin/python bench/lineage_bench.py -n 100000 --dialect sqlite --reps 15",
        "```",
        "",
        "### Workload (`bench/workload.py`)",
        "",
        "A seeded pipeline-shaped graph: pipelines (contexts) with interleaved runs (child "
        "contexts); a run is a chain of 4-24 steps that branches and fans in (a step reads the "
        "output of one of the last few steps and, usually, an output of an earlier one); 3 % of "
        "runs are a strict 50-step chain ending in a model (100 hops from the model to its "
        "source dataset). Each step reads 1-3 artifacts and writes 1-3 (TFX-like types with "
        "int/string/double properties and custom properties, states, event paths and times). "
        "Root datasets: per pipeline 6 sources (Zipf-popular) and 3 shared reference datasets "
        "read mid-run, plus 5 global ones. The upstream walk starts from the model of the first "
        "50-step run; the downstream walk from the root dataset with the largest downstream "
        "that reaches full depth. The databases are built through lineage's batch writes and "
        "cached under `bench/.cache/` (SQLite files; MariaDB databases "
        "`lineage_bench_n{N}_s{seed}_v{version}`, kept between runs).",
        "",
        *workload_lines(infos),
        "",
        "### Results",
        "",
        "`a/x/e`: artifacts / executions / events returned. `vs ml-metadata`: ml-metadata's "
        "median divided by lineage's (default-mask rows against ml-metadata's default mask; "
        "nodes-and-events and ids-only rows against ml-metadata's nodes-and-events subgraph; "
        "provenance/impact against the default mask, no target). ml-metadata walks with "
        "`max_num_hops=100`; lineage rows with `hops unset` walk to the end (the same graph "
        "here: every walk is at most 100 hops). `answer`: lineage's artifacts, executions and "
        "events (and with the default mask contexts, attributions, associations and types) "
        "equal ml-metadata's.",
        "",
        "Memory: each operation runs in a fresh process that imports both libraries, opens one "
        "store and runs the same operation once before the measured call (to exclude imports, "
        "statement compilation, connecting and the first filling of SQLite's page cache, which "
        "holds at most 2 MiB per connection in both libraries: the steady state of a process "
        "that answers such questions). `RSS peak` is the growth of the resident set during the "
        "measured call (`VmHWM` after the call minus `VmRSS` before it, the peak reset through "
        "`/proc/self/clear_refs`): it sees ml-metadata's C++ heap, protobuf's arenas and "
        "SQLite's working memory. `py peak` is tracemalloc's peak during a second call: Python "
        "allocations only (ml-metadata's work happens in C++, so its figure is near zero). "
        f"Each figure is the median of {meta.get('memory_repeats', 1)} such processes. The "
        "memory target compares RSS peaks; below about 1 MiB they are within the allocator's "
        "and SQLite page cache's noise.",
        "",
        *summary(rows),
        "",
        *MISSES,
        "",
        *markdown_table(rows),
        "",
    ]
    return "\n".join(lines)


def section_optimized(rows: list[Row], infos: list[WorkloadInfo], meta: dict[str, Any]) -> str:
    """The section of a ``--optimized`` run: the same walks with the opt-in link indexes."""
    lines = [
        SECTION_OPTIMIZED,
        "",
        "The same benchmark (workloads and columns as in *Lineage queries*) after "
        "`lineage db optimize` added its two indexes (`Attribution` by artifact, `Association` "
        "by execution; docs/cli.md) to the workload's database, and with both libraries "
        "reading that database: ml-metadata's queries use the indexes too. The benchmark "
        "removes them again when it is done. Generated by `bench/lineage_bench.py --optimized` "
        f"on {meta['date']} ({meta['reps']} timed calls per operation, interleaved, after "
        f"{meta['warmup']} warm-up calls; load average {meta['load_start']:.1f} at the start "
        f"and {meta['load_end']:.1f} at the end).",
        "",
        *summary(rows),
        "",
        *markdown_table(rows),
        "",
    ]
    return "\n".join(lines)


# Why targets marked FAIL are missed (profiles of the N=100,000 walks with cProfile and
# EXPLAIN QUERY PLAN).
MISSES = [
    "**Where the targets are missed, and why.**",
    "",
    "- *The walk itself is not the cost.* One recursive statement finds the whole ancestry "
    "or descendancy; the ids-only rows are that statement alone: 14-25× ml-metadata's "
    "nodes-and-events subgraph upstream, and at the 10× line downstream (9.5-10.9× on "
    "SQLite, 8.7-10.5× on MariaDB across this stop's runs), where the statement itself "
    "takes about 10 ms of SQLite's time for 4,762 nodes.",
    "- *Default mask (3× asked).* It adds the nodes' contexts, attributions and "
    "associations. ml-metadata's schema indexes `Attribution` and `Association` by context "
    "only (the unique key starts with `context_id`), so finding the links of a set of nodes "
    "scans those tables (400,000 and 100,000 rows here) on every call, in both libraries. "
    "Stores lineage creates keep that schema (D22); `lineage db optimize` adds the two "
    "node-side indexes on request, and with them the upstream walks pass (next section: "
    "3.1× on SQLite, 4.8× on MariaDB, ml-metadata using the indexes too).",
    "- *Nodes and events (5× asked) and the downstream default mask.* The statements "
    "lineage sends are themselves too slow for the target downstream: replayed with "
    "`sqlite3` alone (*SQL floor of the lineage queries* below) they take 60 ms of "
    "ml-metadata's 134 ms (a bound of 2.2×), so no work in Python can reach 5× with them. "
    "They read about 46,000 rows (4,762 nodes with their properties, 5,842 events with their "
    "paths); the rest of lineage's time is building the messages from those rows. Upstream "
    "the bound is about 5× (4.1-5.9× across runs: 1.7-2.6 ms of statements against "
    "ml-metadata's 10-11 ms), so lineage's own 1.5 ms of Python would have to vanish.",
    "- *Memory.* Upstream results are small: lineage's peaks stay under 1 MiB, within the "
    "noise of the allocator and SQLite's page cache, but above ml-metadata's for some rows, "
    "so the strict comparison fails. Downstream, lineage's peak holds Python objects while it "
    "hydrates (rows of a fetch batch, id maps, the edge list of the walk): about 8 MiB of "
    "Python heap next to ml-metadata's C++ work (2-4 MiB).",
]


# ----------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Deep lineage queries: lineage vs ml-metadata 1.17.1 on the same database."
    )
    parser.add_argument(
        "-n",
        "--executions",
        type=int,
        action="append",
        help="N, the number of executions (repeatable; default 10000 and 100000)",
    )
    parser.add_argument(
        "--dialect",
        action="append",
        choices=("sqlite", "mysql"),
        help="database (repeatable; default both)",
    )
    parser.add_argument(
        "--reps", type=int, default=None, help="timed calls per operation (default 11; quick 5)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="N=2,000 only, for a quick check")
    parser.add_argument(
        "--mysql-url",
        default=os.environ.get("LINEAGE_TEST_MYSQL_URL", DEFAULT_MYSQL_URL),
        help="the MariaDB/MySQL server (its database part is replaced)",
    )
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument(
        "--jobs", type=int, default=2, help="memory-measuring processes at a time (default 2)"
    )
    parser.add_argument(
        "--memory-repeats",
        type=int,
        default=None,
        help="fresh processes per operation, median kept (default 3; quick 1)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached workloads")
    parser.add_argument(
        "--readme",
        choices=("auto", "yes", "no"),
        default="auto",
        help="write bench/README.md (auto: unless --quick)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / ".cache" / "lineage-queries-last.json",
        help="where to write the raw results (default bench/.cache/lineage-queries-last.json)",
    )
    parser.add_argument(
        "--render", type=Path, help="print (and write to the README) a saved run; measure nothing"
    )
    parser.add_argument(
        "--optimized",
        action="store_true",
        help="run with `lineage db optimize`'s indexes added (removed afterwards); own section",
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.executions = args.executions or [2_000]
        args.reps = args.reps or 5
        args.memory_repeats = args.memory_repeats or 1
    args.executions = args.executions or [10_000, 100_000]
    args.dialect = args.dialect or ["sqlite", "mysql"]
    args.reps = args.reps or 11
    args.memory_repeats = args.memory_repeats or 3
    return args


def _with_link_indexes(info: WorkloadInfo, run: Callable[[], list[Row]]) -> list[Row]:
    """``run()`` with the opt-in link indexes on the workload's database, removed afterwards."""
    import lineage
    from lineage.store import optimize

    with lineage.MetadataStore(info.url) as store:
        optimize(store)
    try:
        return run()
    finally:
        with lineage.MetadataStore(info.url) as store:
            optimize(store, undo=True)


def run_meta(args: argparse.Namespace, load_start: float) -> dict[str, Any]:
    import ml_metadata

    import lineage

    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "reps": args.reps,
        "warmup": args.warmup,
        "memory_repeats": args.memory_repeats if args.memory else 0,
        "seed": args.seed,
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "ml_metadata": ml_metadata.__version__,
        "lineage": str(Path(lineage.__file__).resolve().parent),
    }


def save(path: Path, rows: list[Row], infos: list[WorkloadInfo], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "meta": meta,
        "workloads": [asdict(i) for i in infos],
        "rows": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(data, indent=2, default=str))


def load(path: Path) -> tuple[list[Row], list[WorkloadInfo], dict[str, Any]]:
    data = json.loads(path.read_text())
    rows = []
    for item in data["rows"]:
        memory = item.pop("memory")
        rows.append(Row(**item, memory=MemoryResult(**memory) if memory else None))
    return rows, [WorkloadInfo(**i) for i in data["workloads"]], data["meta"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        return memory_child(args.memory_child)
    heading, render = (
        (SECTION_OPTIMIZED, section_optimized) if args.optimized else (SECTION, section)
    )
    if args.render:
        rows, infos, meta = load(args.render)
        print_table(rows)
        if args.readme != "no":
            replace_section(heading, render(rows, infos, meta))
            _say(f"wrote the table to {README}")
        return 0
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    rows: list[Row] = []
    infos: list[WorkloadInfo] = []
    for n in args.executions:
        for dialect in args.dialect:
            info = build_workload(
                n, args.seed, dialect, mysql_url=args.mysql_url, rebuild=args.rebuild, log=_say
            )
            infos.append(info)
            _say(
                f"N={n:,} {dialect}: {info.counts}; upstream from artifact {info.final_model_id},"
                f" downstream from artifact {info.root_dataset_id}"
            )
            if args.optimized:
                rows.extend(_with_link_indexes(info, lambda i=info: bench_database(i, args)))
            else:
                rows.extend(bench_database(info, args))
    meta = run_meta(args, load_start)
    print_table(rows)
    for line in summary(rows):
        print(line)
    save(args.json, rows, infos, meta)
    _say(f"raw results: {args.json}")
    if args.readme == "yes" or (args.readme == "auto" and not args.quick):
        replace_section(heading, render(rows, infos, meta))
        _say(f"wrote the table to {README}")
    _say(f"done in {time.perf_counter() - started:,.0f} s (lineage from {meta['lineage']})")
    return 1 if any(r.answer.startswith("FAIL") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
