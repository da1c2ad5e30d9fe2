"""Scale (issue 7): a 1,000,000-execution graph on SQLite and MariaDB, built and read.

Two steps, because a build takes a quarter of an hour or more::

    # 1. build (streamed batches through lineage's batch writes; run each in the background)
    nohup .venv-mlmd/bin/python bench/scale_bench.py build --dialect sqlite \\
        > /tmp/scale-sqlite.log 2>&1 &
    nohup .venv-mlmd/bin/python bench/scale_bench.py build --dialect mysql \\
        > /tmp/scale-mysql.log 2>&1 &
    # 2. read both databases with lineage and ml-metadata, print the table, write the README
    .venv-mlmd/bin/python bench/scale_bench.py measure --write

The graph is ``bench/workload.py``'s seeded pipeline workload at N = 1,000,000 (about 2M
artifacts, 4M events), written with ``put_contexts``, ``put_artifacts``, ``put_executions``,
``put_events`` and ``put_attributions_and_associations`` in batches of 5,000 executions; memory is
bounded by the batch. ``build`` records the ingest time, the resident set of the ingesting
process (sampled every second, and the kernel's ``VmHWM``), and the database's size under
``bench/.cache/scale-n{N}-s{seed}-{dialect}.json``. The databases are the workload cache's
(``bench/.cache/lineage-n1000000-s1-v1.db``, MariaDB ``lineage_bench_n1000000_s1_v1``).

``measure`` times, with both libraries on the same database (calls interleaved, medians): point
reads, the first page of three filter queries, and the full-depth provenance of a model at the
end of a 50-step chain (``lineage.provenance`` against ml-metadata's ``get_lineage_subgraph``,
upstream, 100 hops); every answer is compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _reads import filter_pairs, open_stores, point_pairs, provenance_pair  # noqa: E402
from _rss import RssSampler  # noqa: E402
from _sections import (  # noqa: E402
    fmt_ms,
    git_state,
    machine,
    median,
    replace_section,
    time_round_robin,
)
from workload import CACHE_DIR, DEFAULT_MYSQL_URL, WorkloadInfo, build_workload  # noqa: E402

SECTION = "## Scale"
N_DEFAULT = 1_000_000


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def record_path(n: int, seed: int, dialect: str) -> Path:
    return CACHE_DIR / f"scale-n{n}-s{seed}-{dialect}.json"


def database_size(info: WorkloadInfo, mysql_url: str) -> dict[str, int]:
    """Bytes on disk: the SQLite file (and its WAL), or InnoDB's data + index pages."""
    if info.dialect == "sqlite":
        path = Path(str(info.sqlite_path))
        wal = Path(str(path) + "-wal")
        return {
            "file": path.stat().st_size,
            "wal": wal.stat().st_size if wal.exists() else 0,
        }
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(info.url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            for table in (
                "Artifact",
                "ArtifactProperty",
                "Execution",
                "ExecutionProperty",
                "Event",
                "EventPath",
                "Attribution",
                "Association",
                "Context",
                "ContextProperty",
                "ParentContext",
            ):
                conn.exec_driver_sql(f"ANALYZE TABLE `{table}`").fetchall()
            row = conn.exec_driver_sql(
                "SELECT SUM(data_length), SUM(index_length) FROM information_schema.tables "
                "WHERE table_schema = DATABASE()"
            ).one()
    finally:
        engine.dispose()
    return {"data": int(row[0] or 0), "index": int(row[1] or 0)}


def build(args: argparse.Namespace) -> int:
    """Build (or rebuild) the N-execution workload and record what it cost."""
    load_start = os.getloadavg()
    started = time.perf_counter()
    progress: list[tuple[float, int]] = [(0.0, 0)]

    def log(message: str) -> None:
        _say(message)
        head = message.strip().split(" / ")[0].replace(",", "")
        if head.isdigit():
            progress.append((round(time.perf_counter() - started, 1), int(head)))

    with RssSampler(interval=1.0) as rss:
        info = build_workload(
            args.executions,
            args.seed,
            args.dialect,
            mysql_url=args.mysql_url,
            rebuild=args.rebuild,
            log=log,
        )
    wall = time.perf_counter() - started
    size = database_size(info, args.mysql_url)
    record = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "lineage": git_state(),
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "ingest_seconds": info.build_seconds,
        "wall_seconds": round(wall, 1),
        "rebuilt": wall > info.build_seconds * 0.5,
        "rss_start_kib": rss.start_rss_kib,
        "rss_max_sampled_kib": rss.max_rss_kib,
        "rss_hwm_kib": rss.hwm_kib,
        "rss_timeline": rss.timeline,
        "progress": progress + [(round(wall, 1), args.executions)],
        "size_bytes": size,
        "info": json.loads(info.to_json()),
    }
    path = record_path(args.executions, args.seed, args.dialect)
    if not record["rebuilt"] and path.exists():
        _say(f"the workload was cached; keeping the build record {path}")
    else:
        path.write_text(json.dumps(record, indent=2))
        _say(f"build record: {path}")
    _say(
        f"{args.dialect}: {info.counts} in {info.build_seconds:,.0f} s; peak RSS "
        f"{rss.hwm_kib / 1024:,.0f} MiB (sampled max {rss.max_rss_kib / 1024:,.0f} MiB); "
        f"size {sum(size.values()) / 2**20:,.0f} MiB"
    )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the workload database and record its cost")
    b.add_argument("--dialect", choices=("sqlite", "mysql"), required=True)
    b.add_argument("--rebuild", action="store_true")
    m = sub.add_parser("measure", help="time reads with both libraries on the built databases")
    m.add_argument("--dialect", action="append", choices=("sqlite", "mysql"))
    m.add_argument("--reps", type=int, default=7)
    m.add_argument("--warmup", type=int, default=1)
    m.add_argument("--write", action="store_true", help="write the Scale section of the README")
    m.add_argument(
        "--json", type=Path, default=CACHE_DIR / "scale-last.json", help="raw results go here"
    )
    m.add_argument("--render", type=Path, help="print (and --write) a saved run")
    m.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        help="a saved run (JSON) whose databases are added to this one's table",
    )
    for p in (b, m):
        p.add_argument("-n", "--executions", type=int, default=N_DEFAULT)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument(
            "--mysql-url",
            default=os.environ.get("LINEAGE_TEST_MYSQL_URL", DEFAULT_MYSQL_URL),
        )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "build":
        return build(args)
    return measure(args)


# ----------------------------------------------------------------------------- reads
def measure_reads(record: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Point reads, first pages of the filters and provenance, both libraries, interleaved."""
    info = WorkloadInfo(**record["info"])
    mlmd, lin = open_stores(info.url, info.sqlite_path)
    rows = []
    try:
        pairs = [
            *point_pairs(mlmd, lin, info.counts["artifacts"], info.counts["executions"]),
            *filter_pairs(mlmd, lin, all_pages=False),
            provenance_pair(mlmd, lin, info.final_model_id),
        ]
        for pair in pairs:
            results, times = time_round_robin(
                {"mlmd": pair.mlmd, "lineage": pair.lineage}, args.warmup, args.reps
            )
            mine, theirs = pair.answer(results["lineage"]), pair.answer(results["mlmd"])
            answer = (
                "same"
                if mine == theirs
                else f"FAIL: lineage {pair.describe(mine)} vs ml-metadata {pair.describe(theirs)}"
            )
            row = {
                "dialect": info.dialect,
                "group": pair.group,
                "label": pair.label,
                "size": pair.describe(mine),
                "mlmd_ms": times["mlmd"],
                "lineage_ms": times["lineage"],
                "answer": answer,
            }
            rows.append(row)
            _say(
                f"  {info.dialect} {pair.label[:60]:<60} lineage {median(times['lineage']):9.2f} ms"
                f"  ml-metadata {median(times['mlmd']):9.2f} ms  {row['size']}  {answer}"
            )
    finally:
        lin.close()
        del mlmd
    return rows


def _db(dialect: str) -> str:
    return "SQLite" if dialect == "sqlite" else "MariaDB"


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _size(record: dict[str, Any]) -> str:
    size = record["size_bytes"]
    total = sum(size.values()) / 2**30
    if "file" in size:
        return f"{total:,.2f} GiB (file)"
    return (
        f"{total:,.2f} GiB (data {size['data'] / 2**30:,.2f} + indexes "
        f"{size['index'] / 2**30:,.2f})"
    )


def _rate_lines(record: dict[str, Any]) -> str:
    """Executions per second in the first and last tenth of the build (from the progress log)."""
    marks = record.get("progress") or []
    if len(marks) < 4:
        return ""
    n = len(marks)
    head, tail = marks[: max(2, n // 10)], marks[-max(2, n // 10) :]

    def rate(part: list[list[float]]) -> float:
        (t0, x0), (t1, x1) = part[0], part[-1]
        return (x1 - x0) / (t1 - t0) if t1 > t0 else 0.0

    return f"{rate(head):,.0f} → {rate(tail):,.0f}"


def build_lines(records: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| DB | artifacts | executions | events | contexts | ingest | executions/s (first → last "
        "tenth) | database size | peak RSS (VmHWM) | RSS after the first minute (sampled) | "
        "load average during the build |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        c = r["info"]["counts"]
        seconds = r["ingest_seconds"]
        later = [kib for t, kib in r.get("rss_timeline") or [] if t >= 60] or [r["rss_hwm_kib"]]
        lines.append(
            f"| {_db(r['info']['dialect'])} | {c['artifacts']:,} | {c['executions']:,} | "
            f"{c['events']:,} | {c['contexts']:,} | {seconds / 60:,.1f} min | "
            f"{c['executions'] / seconds:,.0f} ({_rate_lines(r)}) | {_size(r)} | "
            f"{_mib(r['rss_hwm_kib'])} | {_mib(min(later))} – {_mib(max(later))} | "
            f"{r['load_start'][0]:.1f} at the start, {r['load_end'][0]:.1f} at the end |"
        )
    return lines


def read_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| DB | operation | rows | ml-metadata | lineage | speed-up (ml-metadata ÷ lineage) "
        "| answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        mine, theirs = median(row["lineage_ms"]), median(row["mlmd_ms"])
        label = row["label"] if row["group"] == "point" else f"{row['group']}: {row['label']}"
        answer = row["answer"] if row["answer"] == "same" else f"**{row['answer']}**"
        label = label.replace("|", "\\|")
        lines.append(
            f"| {_db(row['dialect'])} | {label} | {row['size']} | "
            f"{fmt_ms(theirs)} | {fmt_ms(mine)} | {theirs / mine:,.2f}× | {answer} |"
        )
    return lines


def section(records: list[dict[str, Any]], rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        SECTION,
        "",
        f"Issue 7's scale run: `bench/workload.py`'s pipeline-shaped graph at N = "
        f"{meta['n']:,} executions (seed {meta['seed']}), built with lineage's batched writes and "
        f"read with lineage and ml-metadata {meta['ml_metadata']} on the same database. "
        f"Generated by `bench/scale_bench.py` on {meta['date']} ({meta['machine']}; lineage "
        f"{meta['lineage']}; load average between {meta['load_start']:.1f} and "
        f"{meta['load_end']:.1f} during the reads; the machine is shared with other jobs, and "
        "a build or test suite of another job may run at the same time: the two libraries' "
        "calls are interleaved, so their ratio stays fair).",
        "",
        "```",
        "nohup .venv-mlmd/bin/python bench/scale_bench.py build --dialect sqlite \\",
        "    > /tmp/scale-sqlite.log 2>&1 &",
        "nohup .venv-mlmd/bin/python bench/scale_bench.py build --dialect mysql \\",
        "    > /tmp/scale-mysql.log 2>&1 &",
        ".venv-mlmd/bin/python bench/scale_bench.py measure --write",
        "```",
        "",
        "**Ingest.** The runs are generated one at a time and written in batches of 5,000 "
        "executions (`put_contexts`, `put_parent_contexts`, `put_artifacts`, `put_executions`, "
        "`put_events` in chunks of 20,000, `put_attributions_and_associations`), so the "
        "ingesting process holds one batch at a time. `peak RSS` is that process's `VmHWM` "
        "(the kernel's high-water mark of its resident set), and the resident set was also "
        "sampled every second: it stays under 200 MiB for the whole build (its range after "
        "the first minute is in the table) while the database grows to gigabytes. The SQLite "
        "file is `bench/.cache/lineage-n1000000-s1-v1.db` (WAL, `synchronous=FULL`); the "
        "MariaDB database `lineage_bench_n1000000_s1_v1` (InnoDB; its size is InnoDB's "
        "`data_length + index_length` after `ANALYZE TABLE`).",
        "",
        *build_lines(records),
        "",
        f"**Reads** ({meta['reps']} timed calls each after {meta['warmup']} untimed, the two "
        "libraries interleaved; medians). Point reads use ids spread over the database "
        "(seeded); filter queries are the first page (`ListOptions(limit=100, "
        "filter_query=...)`, ml-metadata's page size) of the same filters as in \"Write and "
        'read speed"; provenance is `lineage.provenance(store, model)` (the walk to the '
        "roots plus its hydration and the report's classification) against ml-metadata's "
        "`get_lineage_subgraph` upstream with `max_num_hops=100` and the default mask, from the "
        "model at the end of the first 50-step chain (100 hops). `answer`: the same messages "
        "(point reads), the same ids in the same order (filters), the same artifacts and "
        "executions and as many events (provenance).",
        "",
        *read_lines(rows),
        "",
    ]
    return "\n".join(lines)


def measure(args: argparse.Namespace) -> int:
    import ml_metadata

    if args.render:
        data = json.loads(args.render.read_text())
        records, rows, meta = data["records"], data["rows"], data["meta"]
    else:
        dialects = args.dialect or ["sqlite", "mysql"]
        records = []
        for dialect in dialects:
            path = record_path(args.executions, args.seed, dialect)
            if not path.exists():
                _say(f"no build record {path}: run `scale_bench.py build --dialect {dialect}`")
                return 1
            records.append(json.loads(path.read_text()))
        load_start = os.getloadavg()[0]
        rows = []
        for record in records:
            rows += measure_reads(record, args)
        meta = {
            "date": dt.date.today().isoformat(),
            "machine": machine(),
            "lineage": git_state(),
            "ml_metadata": ml_metadata.__version__,
            "n": args.executions,
            "seed": args.seed,
            "reps": args.reps,
            "warmup": args.warmup,
            "load_start": load_start,
            "load_end": os.getloadavg()[0],
        }
        args.json.write_text(json.dumps({"records": records, "rows": rows, "meta": meta}))
    for path in args.include:
        data = json.loads(path.read_text())
        records = records + data["records"]
        rows = rows + data["rows"]
        meta["load_start"] = min(meta["load_start"], data["meta"]["load_start"])
        meta["load_end"] = max(meta["load_end"], data["meta"]["load_end"])
    text = section(records, rows, meta)
    print(text)
    if args.write:
        replace_section(SECTION, text)
        _say("wrote the Scale section of bench/README.md")
    return 0 if all(r["answer"] == "same" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
