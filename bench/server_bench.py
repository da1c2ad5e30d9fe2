"""gRPC server benchmark: ``lineage serve`` against stand-ins for ml-metadata's C++ server.

Run it where both lineage and ml-metadata 1.17.1 are importable::

    .venv-mlmd/bin/python bench/server_bench.py --quick     # N=2,000, about two minutes
    .venv-mlmd/bin/python bench/server_bench.py --write     # N=100,000, writes the README

On a Kubeflow-Pipelines-shaped store (``_kfp_store.py``; SQLite and MariaDB), three servers run
side by side, all on the same database:

* ``lineage serve``: ``python -m lineage --db URL serve --port 0`` (its defaults: 16 workers,
  one JSON log line per RPC on stderr, here to a file);
* ``mlmd per-RPC``: ml-metadata 1.17.1's C++ store behind a bytes-through grpcio servicer that
  creates a store per RPC, as Google's ``metadata_store_server`` does (``_mlmd_standin.py``);
* ``mlmd shared``: the same with one store created once, calls serialized by a lock.

Four KFP calls, each with 1, 8 and 32 concurrent clients (client processes with threads, each
thread its own channel and connection, closed loop, raw unary calls of pre-serialized requests;
the same requests for every server): ``PutExecution`` (a task execution with KFP's custom
properties, one output artifact with its event, the pipeline and run contexts by id),
``GetArtifactsByID`` (10 ids), ``GetExecutionsByContext`` (a run context, ``max_result_size=100``,
``filter_query`` on ``custom_properties.parent_dag_id.int_value``: KFP's listing of a DAG's
tasks) and ``GetLineageSubgraph`` (from one artifact, ``max_num_hops=4``, default mask). Each
cell runs a warm-up and then a fixed window; the servers take turns, the order rotating, so
they see the same background load. Server memory is sampled (VmRSS of the server and its child
processes every 0.25 s) and read as ``VmHWM`` at the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _grpc_load import ClientPool, call_once, wait_serving  # noqa: E402
from _kfp_store import (  # noqa: E402
    CACHE_DIR,
    StoreInfo,
    build_store,
    drop_mysql_database,
    mlmd_config,
)
from _sections import git_state, machine, replace_section  # noqa: E402

SECTION = "## gRPC server"
SERVICE = "/ml_metadata.MetadataStoreService/"
CALLS = ("GetArtifactsByID", "GetExecutionsByContext", "GetLineageSubgraph", "PutExecution")
SERVERS = ("lineage serve", "mlmd per-RPC", "mlmd shared")
# ml-metadata's client's default read mask: LineageGraph's fields but the *_types (it fetches
# types with extra RPCs), i.e. what MetadataStore.get_lineage_subgraph(options) sends.
DEFAULT_MASK = ("artifacts", "executions", "contexts", "events", "attributions", "associations")
PROCESSES = {1: 1, 8: 2, 32: 4}  # client processes per concurrency (2 cores)
VARIANTS = 64  # distinct requests per client thread, cycled
TARGET_SPEEDUP = 2.0
TARGET_RSS_MIB = 300
DB_NAMES = {"sqlite": "SQLite", "mysql": "MariaDB"}


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- servers
def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
    return out


def _status_kib(pid: int, name: str) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


class ServerProc:
    """A server subprocess: started, waited for (health SERVING), sampled, stopped."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.cmd, self.env, self.log = name, cmd, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.target = ""
        self.max_rss_kib = 0  # the largest sampled VmRSS sum (process and children) under load
        self.hwm_kib = 0
        self.processes = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, cwd=ROOT, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip

    def wait(self, timeout: float = 120) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        pattern = re.compile(r"serving .* on ([\w.\[\]:]+):(\d+)")
        while not self.target:
            text = self.log.read_text(errors="replace")
            found = pattern.search(text)
            if found:
                self.target = f"{found.group(1)}:{found.group(2)}"
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{text[-3000:]}")
            time.sleep(0.05)
        wait_serving(self.target, max(1.0, deadline - time.monotonic()))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def sample(self) -> None:
        pids = _tree(self.pid)
        self.processes = len(pids)
        self.max_rss_kib = max(self.max_rss_kib, sum(_status_kib(p, "VmRSS") for p in pids))

    def read_hwm(self) -> None:
        self.hwm_kib = sum(_status_kib(p, "VmHWM") for p in _tree(self.pid))

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            for p in reversed(_tree(self.pid)):
                with contextlib.suppress(OSError):
                    os.kill(p, 9)
            self.proc.wait(5)


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_ticks() -> int:
    """The machine's busy CPU time (all cores), /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal


def _proc_ticks(pid: int) -> int:
    with contextlib.suppress(OSError, IndexError, ValueError), open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime stime
    return 0


def _database_pids() -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as f:
                if f.read().strip() in ("mariadbd", "mysqld"):
                    out.append(int(entry))
    return out


class CpuWatch:
    """CPU time of everything else on the machine during a cell (other jobs share it).

    'Ours' is this process, its client processes, the servers (and their children) and the
    database server; the rest of the machine's busy time is foreign load, in cores.
    """

    def __init__(self) -> None:
        self.db = _database_pids()

    def _ours(self) -> int:
        return sum(_proc_ticks(p) for p in [*_tree(os.getpid()), *self.db])

    def __enter__(self) -> CpuWatch:
        self.t0, self.busy0, self.ours0 = time.monotonic(), _busy_ticks(), self._ours()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = max(1e-6, time.monotonic() - self.t0)
        foreign = (_busy_ticks() - self.busy0) - (self._ours() - self.ours0)
        self.foreign_cores = max(0.0, foreign / TICK / elapsed)


def wait_quiet(limit_s: float, cores: float) -> None:
    """Wait (up to ``limit_s``) until the machine's busy time stays under ``cores`` for 10 s."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        t0, b0 = time.monotonic(), _busy_ticks()
        time.sleep(10)
        busy = (_busy_ticks() - b0) / TICK / (time.monotonic() - t0)
        if busy <= cores:
            return
        _say(f"other jobs use {busy:.2f} cores: waiting")


class Sampler:
    """Samples one server's memory every 0.25 s while a cell runs."""

    def __init__(self) -> None:
        self.server: ServerProc | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            server = self.server
            if server is not None:
                server.sample()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def make_servers(info: StoreInfo, log_dir: Path, workers: int) -> list[ServerProc]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    config = base64.b64encode(mlmd_config(info).SerializeToString()).decode()
    py = sys.executable
    standin = [py, str(HERE / "_mlmd_standin.py"), "--config", config, "--workers", str(workers)]
    return [
        ServerProc(
            "lineage serve",
            [py, "-m", "lineage", "--db", info.url, "serve", "--port", "0"],
            env,
            log_dir / "lineage-serve.log",
        ),
        ServerProc("mlmd per-RPC", [*standin, "--mode", "per-rpc"], env, log_dir / "per-rpc.log"),
        ServerProc("mlmd shared", [*standin, "--mode", "shared"], env, log_dir / "shared.log"),
    ]


# ----------------------------------------------------------------------------- requests
def _spb() -> Any:
    from ml_metadata.proto import metadata_store_service_pb2

    return metadata_store_service_pb2


def _mpb() -> Any:
    from ml_metadata.proto import metadata_store_pb2

    return metadata_store_pb2


def writer_contexts(info: StoreInfo, target: str) -> list[tuple[Any, Any]]:
    """The writers' (pipeline, run) contexts as stored: KFP passes them whole, with their ids."""
    spb = _spb()
    ids = [i for w in info.writers for i in (w["pipeline_context"], w["run_context"])]
    reply = spb.GetContextsByIDResponse.FromString(
        call_once(
            target,
            SERVICE + "GetContextsByID",
            spb.GetContextsByIDRequest(context_ids=sorted(set(ids))).SerializeToString(),
        )
    )
    by_id = {c.id: c for c in reply.contexts}
    return [(by_id[w["pipeline_context"]], by_id[w["run_context"]]) for w in info.writers]


def build_requests(
    info: StoreInfo, call: str, threads: int, contexts: list[tuple[Any, Any]]
) -> list[list[bytes]]:
    """Per client thread, :data:`VARIANTS` serialized requests (seeded by call and thread)."""
    spb, mpb = _spb(), _mpb()
    out = []
    for t in range(threads):
        rng = random.Random(f"{call}-{t}")
        reqs = []
        for v in range(VARIANTS):
            if call == "GetArtifactsByID":
                r = spb.GetArtifactsByIDRequest(artifact_ids=rng.sample(info.artifact_ids, 10))
            elif call == "GetExecutionsByContext":
                run_ctx, dag = rng.choice(info.runs)
                r = spb.GetExecutionsByContextRequest(context_id=run_ctx)
                r.options.max_result_size = 100
                r.options.filter_query = f"custom_properties.parent_dag_id.int_value = {dag}"
            elif call == "GetLineageSubgraph":
                r = spb.GetLineageSubgraphRequest()
                q = r.lineage_subgraph_query_options
                q.starting_artifacts.filter_query = f"id = {rng.choice(info.artifact_ids)}"
                q.max_num_hops = 4
                r.read_mask.paths.extend(DEFAULT_MASK)
            else:
                w = t % len(info.writers)
                pipeline, run = contexts[w]
                r = spb.PutExecutionRequest()
                x = r.execution
                x.type_id = info.types["system.ContainerExecution"]
                x.last_known_state = mpb.Execution.RUNNING
                pod = f"{run.name}-{t:02d}{v:02d}-{rng.getrandbits(24):06x}"
                for key, value in {
                    "display_name": f"step-{v}",
                    "task_name": f"step-{v}",
                    "pod_name": pod,
                    "pod_uid": f"{rng.getrandbits(128):032x}",
                    "namespace": "kubeflow",
                    "image": "python:3.11",
                    "cache_fingerprint": f"{rng.getrandbits(128):032x}",
                }.items():
                    x.custom_properties[key].string_value = value
                x.custom_properties["parent_dag_id"].int_value = info.writers[w]["dag"]
                x.custom_properties["inputs"].struct_value.update({"epochs": 10, "lr": 0.01})
                pair = r.artifact_event_pairs.add()
                pair.artifact.type_id = info.types["system.Dataset"]
                pair.artifact.uri = f"minio://mlpipeline/v2/artifacts/sbench/{pod}/output_dataset"
                pair.artifact.state = mpb.Artifact.LIVE
                pair.artifact.custom_properties["display_name"].string_value = "output_dataset"
                pair.event.type = mpb.Event.OUTPUT
                pair.event.path.steps.add().key = "output_dataset"
                r.contexts.extend([pipeline, run])
            reqs.append(r.SerializeToString())
        out.append(reqs)
    return out


def _normal(call: str, reply: bytes) -> Any:
    """What must be equal between servers (ordered where the API orders)."""
    spb = _spb()

    def key(m: Any) -> bytes:
        return m.SerializeToString(deterministic=True)

    if call == "GetArtifactsByID":
        return sorted(key(a) for a in spb.GetArtifactsByIDResponse.FromString(reply).artifacts)
    if call == "GetExecutionsByContext":
        r = spb.GetExecutionsByContextResponse.FromString(reply)
        return [key(x) for x in r.executions], bool(r.next_page_token)
    # ml-metadata's C++ GetLineageSubgraph returns its nodes with their ids only (its Python
    # client fetches them again by id); lineage serve returns them whole: compare the ids.
    g = spb.GetLineageSubgraphResponse.FromString(reply).lineage_subgraph
    nodes = tuple(
        sorted(m.id for m in getattr(g, n)) for n in ("artifacts", "executions", "contexts")
    )
    links = tuple(
        sorted(key(m) for m in getattr(g, n)) for n in ("events", "attributions", "associations")
    )
    return nodes, links


def _size(call: str, reply: bytes) -> str:
    spb = _spb()
    if call == "GetArtifactsByID":
        return f"{len(spb.GetArtifactsByIDResponse.FromString(reply).artifacts)} artifacts"
    if call == "GetExecutionsByContext":
        return f"{len(spb.GetExecutionsByContextResponse.FromString(reply).executions)} executions"
    g = spb.GetLineageSubgraphResponse.FromString(reply).lineage_subgraph
    return f"{len(g.artifacts)}/{len(g.executions)}/{len(g.events)}/{len(g.contexts)} a/x/e/c"


def check_answers(
    servers: list[ServerProc], requests: dict[str, list[list[bytes]]]
) -> dict[str, dict[str, str]]:
    """The read calls' first 8 requests on every server: equal to the per-RPC stand-in's."""
    out: dict[str, dict[str, str]] = {}
    for call, per_thread in requests.items():
        if call == "PutExecution":
            continue
        reference = next(s for s in servers if s.name == "mlmd per-RPC")
        sizes = []
        verdict = {}
        for req in per_thread[0][:8]:
            ref = call_once(reference.target, SERVICE + call, req)
            sizes.append(_size(call, ref))
            for server in servers:
                got = call_once(server.target, SERVICE + call, req)
                if _normal(call, got) != _normal(call, ref):
                    verdict[server.name] = f"differs ({_size(call, got)} vs {_size(call, ref)})"
                else:
                    verdict.setdefault(server.name, "same")
        verdict["sizes"] = ", ".join(dict.fromkeys(sizes))
        out[call] = verdict
    return out


def clean_writes(info: StoreInfo) -> int:
    """Delete what the PutExecution cells wrote (the writers' task executions and outputs)."""
    import lineage

    store = lineage.MetadataStore(info.url)
    removed = 0
    try:
        for w in info.writers:
            ids = [x.id for x in store.get_executions_by_context(w["run_context"])]
            ids = [i for i in ids if i != w["dag"]]
            for start in range(0, len(ids), 2_000):
                store.delete_executions(ids[start : start + 2_000], cascade=True)
            removed += len(ids)
    finally:
        store.close()
    return removed


# ----------------------------------------------------------------------------- results
@dataclass
class Cell:
    dialect: str
    call: str
    clients: int
    server: str
    calls: int
    seconds: float
    p50: float
    p99: float
    errors: dict[str, int] = field(default_factory=dict)
    error_sample: str = ""
    foreign_cores: float = 0.0  # other jobs' CPU during the cell (cores)
    attempts: int = 1

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else math.nan


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ms(v: float) -> str:
    if math.isnan(v):
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:.2f}"


def _rate(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def _errors(cell: Cell) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(cell.errors.items())) or "0"


HEADERS = ("backend", "call", "clients", "server", "p50 ms", "p99 ms", "calls/s", "errors")


def cell_texts(c: Cell) -> list[str]:
    return [
        DB_NAMES[c.dialect],
        c.call,
        str(c.clients),
        c.server,
        _ms(c.p50),
        _ms(c.p99),
        _rate(c.rate),
        _errors(c),
    ]


def markdown_table(cells: list[Cell]) -> list[str]:
    lines = ["| " + " | ".join(HEADERS) + " |", "|---|---|---:|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(cell_texts(c)) + " |" for c in cells]
    return lines


def print_table(cells: list[Cell], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for h in HEADERS:
        table.add_column(
            h, justify="right" if h in ("clients", "p50 ms", "p99 ms", "calls/s") else "left"
        )
    previous = None
    for c in cells:
        if previous is not None and (c.dialect, c.call, c.clients) != previous:
            table.add_section()
        previous = (c.dialect, c.call, c.clients)
        table.add_row(*cell_texts(c))
    Console(width=200).print(table)


@dataclass
class Verdict:
    target: str
    backend: str
    figures: str
    ok: bool


def verdicts(cells: list[Cell], memory: list[dict[str, Any]], top: int) -> list[Verdict]:
    by = {(c.dialect, c.call, c.clients, c.server): c for c in cells}
    out = []
    for dialect in dict.fromkeys(c.dialect for c in cells):
        db = DB_NAMES[dialect]
        for call in CALLS:
            mine = by.get((dialect, call, top, "lineage serve"))
            per_rpc = by.get((dialect, call, top, "mlmd per-RPC"))
            shared = by.get((dialect, call, top, "mlmd shared"))
            if mine is None or per_rpc is None or shared is None:
                continue
            if dialect == "mysql":
                ratio = mine.rate / per_rpc.rate if per_rpc.rate else math.inf
                out.append(
                    Verdict(
                        f"{call}, {top} clients: ≥ {TARGET_SPEEDUP:g}× the per-RPC stand-in's "
                        "calls/s, lower p99",
                        db,
                        f"{_rate(mine.rate)} vs {_rate(per_rpc.rate)} calls/s ({ratio:.2f}×); "
                        f"p99 {_ms(mine.p99)} vs {_ms(per_rpc.p99)} ms",
                        ratio >= TARGET_SPEEDUP and mine.p99 < per_rpc.p99 and not mine.errors,
                    )
                )
            ratio = mine.rate / shared.rate if shared.rate else math.inf
            out.append(
                Verdict(
                    f"{call}, {top} clients: calls/s no lower than the shared-store stand-in's",
                    db,
                    f"{_rate(mine.rate)} vs {_rate(shared.rate)} calls/s ({ratio:.2f}×); "
                    f"p99 {_ms(mine.p99)} vs {_ms(shared.p99)} ms",
                    ratio >= 1.0 and not mine.errors,
                )
            )
    for m in memory:
        if m["server"] != "lineage serve":
            continue
        peak = max(m["hwm_kib"], m["max_rss_kib"]) / 1024
        out.append(
            Verdict(
                f"lineage serve RSS under load < {TARGET_RSS_MIB} MiB",
                DB_NAMES[m["dialect"]],
                f"peak {peak:,.0f} MiB (VmHWM; largest sampled VmRSS "
                f"{m['max_rss_kib'] / 1024:,.0f} MiB)",
                peak < TARGET_RSS_MIB,
            )
        )
    return out


# ----------------------------------------------------------------------------- the run
def run_backend(
    dialect: str, args: argparse.Namespace, pool: ClientPool
) -> tuple[StoreInfo, list[Cell], list[dict[str, Any]], dict[str, Any]]:
    mysql = None
    if dialect == "mysql":
        mysql = {"host": args.mysql_host, "port": args.mysql_port, "user": args.mysql_user}
    info = build_store(args.n, dialect, mysql=mysql, rebuild=args.rebuild, log=_say)
    removed = clean_writes(info)  # a previous, interrupted run's writes
    if removed:
        _say(f"removed {removed:,} executions left by an earlier run")
    servers = make_servers(info, CACHE_DIR / "logs" / dialect, args.standin_workers)
    sampler = Sampler()
    cells: list[Cell] = []
    try:
        for s in servers:
            s.start()
        for s in servers:
            s.wait()
            _say(f"{s.name} serving {DB_NAMES[dialect]} on {s.target} (pid {s.pid})")
        top = max(args.clients)
        contexts = writer_contexts(info, servers[0].target)
        requests = {
            call: build_requests(info, call, top, contexts) for call in args.calls
        }  # fmt: skip
        answers = check_answers(servers, requests)
        for call, verdict in answers.items():
            _say(f"answers of {call} ({verdict['sizes']}): {verdict}")
        turn = 0
        for call in args.calls:
            for clients in args.clients:
                order = servers[turn % 3 :] + servers[: turn % 3]
                turn += 1
                for s in order:
                    cell = None
                    for attempt in range(1, args.attempts + 1):
                        sampler.server = s
                        s.sample()
                        with CpuWatch() as cpu:
                            result = pool.run(
                                s.target,
                                SERVICE + call,
                                requests[call][:clients],
                                PROCESSES.get(clients, min(4, clients)),
                                args.warmup,
                                args.seconds,
                            )
                        s.sample()
                        sampler.server = None
                        lat = result.latencies_ms
                        this = Cell(
                            dialect,
                            call,
                            clients,
                            s.name,
                            len(lat),
                            result.window_s,
                            percentile(lat, 0.5),
                            percentile(lat, 0.99),
                            result.errors,
                            result.error_sample,
                            round(cpu.foreign_cores, 2),
                            attempt,
                        )
                        if cell is None or this.foreign_cores < cell.foreign_cores:
                            cell = this
                        if cpu.foreign_cores <= args.foreign_limit:
                            break
                        cell_s = args.warmup + args.seconds + 0.5
                        spent = time.monotonic() - args.t0
                        if spent + (args.cells_left + 1) * cell_s > args.budget_minutes * 60:
                            _say("  other jobs are busy, but the time budget allows no repeat")
                            break
                        _say(
                            f"  other jobs used {cpu.foreign_cores:.2f} cores during "
                            f"{s.name} {call} x{clients}: again"
                        )
                    assert cell is not None
                    cells.append(cell)
                    args.cells_left -= 1
                    _say(
                        "  "
                        + " | ".join(cell_texts(cell))
                        + f" | rss {s.max_rss_kib // 1024} MiB | other jobs "
                        + f"{cell.foreign_cores:.2f} cores"
                    )
                    if cell.error_sample:
                        _say(f"    first error: {cell.error_sample}")
        memory = []
        for s in servers:
            s.read_hwm()
            memory.append(
                {
                    "dialect": dialect,
                    "server": s.name,
                    "processes": s.processes,
                    "max_rss_kib": s.max_rss_kib,
                    "hwm_kib": s.hwm_kib,
                }
            )
    finally:
        sampler.close()
        for s in servers:
            s.stop()
    removed = clean_writes(info)
    _say(f"removed the {removed:,} executions the PutExecution cells wrote")
    return info, cells, memory, answers


def _mysql_server(url: str) -> dict[str, Any]:
    """Host, port and user of a MySQL URL (the database part is ours to choose)."""
    found = re.match(
        r"^[\w+]+://(?P<user>[^:@/]+)?(?::[^@/]*)?@?(?P<host>[^:/]+)?(?::(?P<port>\d+))?", url
    )
    parts = found.groupdict() if found else {}
    return {
        "host": parts.get("host") or "127.0.0.1",
        "port": int(parts.get("port") or 3306),
        "user": parts.get("user") or "root",
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="N=2,000 and short cells")
    parser.add_argument("-n", type=int, default=None, help="executions in the store")
    parser.add_argument("--dialect", action="append", choices=("sqlite", "mysql"))
    parser.add_argument("--calls", nargs="+", choices=CALLS, default=list(CALLS))
    parser.add_argument("--clients", nargs="+", type=int, default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=None, help="measured window per cell")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up per cell (s)")
    parser.add_argument("--standin-workers", type=int, default=32)
    parser.add_argument(
        "--foreign-limit",
        type=float,
        default=0.25,
        help="repeat a cell when other jobs used more CPU (cores) during it",
    )
    parser.add_argument("--attempts", type=int, default=3, help="tries per cell (see above)")
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        help="no repeats that would make the run longer (default: 22, --quick 3)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        help="first wait up to this many seconds for other jobs to leave the CPU",
    )
    server = _mysql_server(os.environ.get("LINEAGE_TEST_MYSQL_URL", ""))
    parser.add_argument(
        "--mysql-host",
        default=server["host"],
        help="default: from $LINEAGE_TEST_MYSQL_URL, else 127.0.0.1",
    )
    parser.add_argument("--mysql-port", type=int, default=server["port"])
    parser.add_argument("--mysql-user", default=server["user"])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached stores")
    parser.add_argument("--drop", action="store_true", help="drop the MariaDB database after")
    parser.add_argument("--write", action="store_true", help="write the README section")
    parser.add_argument("--json", type=Path, default=CACHE_DIR / "server-last.json")
    parser.add_argument("--render", type=Path, help="print (and --write) a saved run")
    args = parser.parse_args(argv)
    args.n = args.n or (2_000 if args.quick else 100_000)
    args.seconds = args.seconds or (0.6 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (0.2 if args.quick else 1.0)
    args.dialect = args.dialect or ["sqlite", "mysql"]
    args.budget_minutes = args.budget_minutes or (3.0 if args.quick else 22.0)
    return args


# Why targets marked FAIL were missed in the run in bench/README.md (written after reading it;
# not profiled further: see each line for what was measured).
NOTES = [
    "**Where the targets are missed, and why.**",
    "",
    "- *SQLite, `GetArtifactsByID` and `PutExecution` against the shared store (0.41× and "
    "0.73×).* The shared stand-in answers a 10-id read in one C++ call of about 1 ms and "
    "never waits for a database server; `lineage serve` spends more CPU per call in Python "
    "(gRPC handler, SQL, message building, the JSON log line), and on 2 cores that also run "
    "4 client processes every call is CPU: its rate fell from 749/s at 8 clients to 430/s "
    "at 32 (16 worker threads contending for the GIL), where the lock-serialized C++ store "
    "stayed at 1,056/s. Writes are serialized in both servers on SQLite, so there the "
    "per-call CPU decides too. At 1 client the latencies are close (1.1 vs 0.9 ms, 4.0 vs "
    "3.8 ms).",
    "- *MariaDB, `GetArtifactsByID` against the shared store (0.98×):* within this run's "
    "noise (p99 103 vs 81 ms); a 10-id read is one fast query, so the shared store's serial "
    "waits cost little.",
    "- *MariaDB, 2× the per-RPC stand-in for `GetExecutionsByContext` (1.67×) and "
    "`GetLineageSubgraph` (1.94×); p99 is lower in both.* The stand-in's 32 processes "
    "overlap their per-RPC connects and queries on MariaDB, so opening a store per RPC costs "
    "it latency (10.9 vs 2.9 ms at 1 client) more than throughput at 32 clients, where both "
    "are bound by the 2 cores. `GetLineageSubgraph` also does more in `lineage serve`: it "
    "returns the nodes whole where ml-metadata's C++ store returns their ids only; and both "
    "scan `Attribution`/`Association` for the default mask's links (indexed by context only "
    "in MLMD's schema; see *Lineage queries* above), which is why it takes 50-250 ms at "
    "1 client on this store.",
    "- *Errors*: only the per-RPC stand-in on SQLite, whose concurrent `PutExecution` "
    "stores abort (`ABORTED: Concurrent writes aborted after max number of retries`); "
    "`lineage serve` had no errors in any cell.",
]


def answers_text(answers: dict[str, dict[str, dict[str, str]]]) -> str:
    parts = []
    for dialect, calls in answers.items():
        texts = []
        for call, v in calls.items():
            servers = [k for k in v if k != "sizes"]
            same = all(v[k] == "same" for k in servers)
            verdict = "same on every server" if same else "; ".join(f"{k} {v[k]}" for k in servers)
            texts.append(f"`{call}` ({v['sizes']}): {verdict}")
        parts.append(f"{DB_NAMES[dialect]}: " + ", ".join(texts))
    return "; ".join(parts)


def foreign_text(cells: list[dict[str, Any]]) -> str:
    values = sorted(c.get("foreign_cores", 0.0) for c in cells)
    if not values:
        return "no cells"
    repeated = sum(c.get("attempts", 1) > 1 for c in cells)
    over = sum(v > 0.25 for v in values)
    return (
        f"median {values[len(values) // 2]:.2f} cores, largest {values[-1]:.2f}; "
        f"{repeated} of {len(values)} cells repeated, {over} still above 0.25 cores"
    )


def section(data: dict[str, Any]) -> str:
    meta = data["meta"]
    cells = [Cell(**c) for c in data["cells"]]
    top = max(c.clients for c in cells)
    results = verdicts(cells, data["memory"], top)
    stores = "; ".join(
        f"{DB_NAMES[i['dialect']]}: {i['counts']['executions']:,} executions, "
        f"{i['counts']['artifacts']:,} artifacts, {i['counts']['events']:,} events, "
        f"{i['counts']['contexts']:,} contexts ({i['n_runs']:,} runs), built in "
        f"{i['build_seconds']:.0f} s"
        for i in data["stores"]
    )
    lines = [
        SECTION,
        "",
        "The gRPC server issue's benchmark (acceptance point 4): `lineage serve` against the "
        "nearest stand-ins for Google's C++ `metadata_store_server`, all three serving the same "
        f"database, in one run. Generated by `bench/server_bench.py` on {meta['date']} "
        f"({meta['machine']}; "
        f"lineage {meta['lineage']}; ml-metadata {meta['ml_metadata']}; grpcio "
        f"{meta['grpcio']}; load average {meta['load_start']:.1f} at the start and "
        f"{meta['load_end']:.1f} at the end; the run took {meta['seconds'] / 60:.0f} min). "
        "Clients and servers share the machine's 2 cores, so every figure includes the "
        "clients' own CPU; the servers take turns, so the comparison stays fair.",
        "",
        "```",
        ".venv-mlmd/bin/python bench/server_bench.py --quick     # N=2,000, about two minutes",
        ".venv-mlmd/bin/python bench/server_bench.py --write     # this section",
        "```",
        "",
        "**Store** (`bench/_kfp_store.py`, seeded, cached under `bench/.cache/server/`; MariaDB "
        f"database `lineage_sbench_n{meta['n']}_s1_v1`): what Kubeflow Pipelines v2 writes. "
        "`system.Pipeline` contexts (50) and a `system.PipelineRun` context per run (its "
        "child); per run a root `system.DAGExecution` and 7-11 `system.ContainerExecution` "
        "tasks (one run in ten also a sub-DAG with 3 tasks) carrying KFP's custom properties "
        "(`parent_dag_id`, `display_name`, `task_name`, `pod_name`, `pod_uid`, `namespace`, "
        "`image`, `cache_fingerprint`, `inputs` as a struct); each task writes 1-2 artifacts "
        "(`system.Dataset`, `system.Model`, `system.Metrics`) with OUTPUT events and reads 1-2 "
        "earlier outputs of its run; every node is in its run's and its pipeline's context. "
        f"{stores}. Built with lineage's batch writes; ml-metadata opens the same database "
        "(the stand-ins serve it, and their answers are compared below).",
        "",
        "**Servers.** *lineage serve*: `python -m lineage --db URL serve --port 0`, its "
        "defaults (16 worker threads, a pooled connection each on MariaDB, one JSON log line "
        "per RPC, here to a file). *mlmd per-RPC*: ml-metadata 1.17.1's own C++ store through "
        "its pybind layer (`metadata_store_extension.metadata_store`: `CreateMetadataStore` "
        "from the `ConnectionConfig`, then `<Method>(store, request bytes)` returning response "
        "bytes, message and code) behind a grpcio generic handler with bytes-through "
        "(identity) serializers (`bench/_mlmd_standin.py`); like the C++ server "
        "(`MetadataStoreServiceImpl` connects in every RPC) it creates a store per RPC and "
        "frees it after (this build has no `DestroyMetadataStore`: freeing the object closes "
        "the connection). The pybind calls hold the GIL for their whole duration (checked: "
        "another Python thread makes no progress during a call; two threads calling at once "
        "take twice as long), so calls run in a pool of 32 processes, one call at a time "
        "each, handed over a pipe by 32 gRPC threads: calls overlap as on the C++ server's "
        "thread pool, at the price of a pipe round trip per call. *mlmd shared*: the same "
        "handler with one store created at start-up; ml-metadata's C++ `MetadataStore` is not "
        "thread-safe (one connection, one transaction state), so calls are serialized by a "
        "lock (in one process, as the GIL would serialize them anyway).",
        "",
        "**Calls** (the same pre-serialized requests for every server; 64 variants per client "
        "thread): `PutExecution`: a `system.ContainerExecution` (RUNNING, KFP's custom "
        "properties, `parent_dag_id` of one of 64 writer runs, a run per client thread) with "
        "one new `system.Dataset` output and its OUTPUT event, and the pipeline and run "
        "contexts as stored (with their ids), no options (KFP's `PublishExecution`); the rows "
        "written are deleted after the run. `GetArtifactsByID`: 10 ids spread over the store. "
        "`GetExecutionsByContext`: a run context, `max_result_size=100`, `filter_query` "
        "`custom_properties.parent_dag_id.int_value = <the run's DAG>` (KFP's listing of a "
        "DAG's tasks, first page). `GetLineageSubgraph`: from one artifact "
        "(`starting_artifacts.filter_query = 'id = N'`), `max_num_hops=4`, default mask. "
        f"Clients: {', '.join(str(c) for c in sorted(PROCESSES))} concurrent clients from "
        f"{', '.join(str(PROCESSES[c]) for c in sorted(PROCESSES))} client processes (threads "
        "each with its own channel and connection, closed loop, raw unary calls, responses "
        f"not parsed). Each cell: {meta['warmup']:g} s warm-up, then "
        f"{meta['seconds_per_cell']:g} s "
        "measured; p50/p99 over the successful calls started in that window, calls/s = those "
        "calls / window. The servers take turns per (call, clients), the order rotating.",
        "",
        "**Answers.** Before the timed cells, the first 8 requests of a client thread of each "
        "read call go to every server, and the responses are compared with the per-RPC "
        "stand-in's (ml-metadata's C++ store), message by message, ordered where the API "
        "orders: " + answers_text(data["answers_by_backend"]) + ". `GetLineageSubgraph` is "
        "compared by node ids, events, attributions and associations: ml-metadata 1.17.1's C++ "
        "store returns the subgraph's artifacts, executions and contexts with their `id` only "
        "(whatever the read mask; its Python client then fetches them by id with further "
        "RPCs), while `lineage serve` returns them whole (type, uri, properties, times), so "
        "its responses carry more and cost it more per call (a wire difference: clients that "
        "use ml-metadata's `get_lineage_subgraph` see the same result either way).",
        "",
        "**Other jobs.** The machine is shared; each cell also measures the CPU time the rest "
        "of the machine used (busy time from `/proc/stat` minus this benchmark's processes, its "
        "servers and MariaDB's) and is repeated (up to 3 times, the quietest kept) when it "
        "exceeds 0.25 cores: " + foreign_text(data["cells"]) + ".",
        "",
        "### Targets",
        "",
        "| target | backend | figures | result |",
        "|---|---|---|---|",
        *[
            f"| {v.target} | {v.backend} | {v.figures} | {'PASS' if v.ok else '**FAIL**'} |"
            for v in results
        ],
        "",
        *data.get("notes", NOTES),
        "",
        "### Latency and throughput",
        "",
        *markdown_table(cells),
        "",
        "### Server memory",
        "",
        "VmRSS of the server process and its children, sampled every 0.25 s during its own "
        "cells (largest sum), and the sum of their `VmHWM` (each process's peak) at the end. "
        "The per-RPC stand-in's figure is mostly its 32 pool processes' Python interpreters "
        "(the C++ server would hold the same stores in threads of one process).",
        "",
        "| backend | server | processes | largest VmRSS under load | VmHWM |",
        "|---|---|---:|---:|---:|",
        *[
            f"| {DB_NAMES[m['dialect']]} | {m['server']} | {m['processes']} | "
            f"{m['max_rss_kib'] / 1024:,.0f} MiB | {m['hwm_kib'] / 1024:,.0f} MiB |"
            for m in data["memory"]
        ],
        "",
    ]
    return "\n".join(lines)


def report(data: dict[str, Any]) -> None:
    cells = [Cell(**c) for c in data["cells"]]
    print_table(cells, f"gRPC servers, N={data['meta']['n']:,}")
    for m in data["memory"]:
        print(
            f"{DB_NAMES[m['dialect']]:8} {m['server']:14} processes {m['processes']:3}  "
            f"largest VmRSS {m['max_rss_kib'] / 1024:7,.0f} MiB  "
            f"VmHWM {m['hwm_kib'] / 1024:7,.0f} MiB"
        )
    top = max(c.clients for c in cells)
    for v in verdicts(cells, data["memory"], top):
        print(f"{'PASS' if v.ok else 'FAIL'}  {v.backend:8} {v.target}: {v.figures}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        data = json.loads(args.render.read_text())
        report(data)
        if args.write:
            replace_section(SECTION, section(data))
        return 0
    import grpc
    import ml_metadata

    started = time.perf_counter()
    args.t0 = time.monotonic()
    args.cells_left = len(args.dialect) * len(args.calls) * len(args.clients) * len(SERVERS)
    wait_quiet(args.wait_quiet, args.foreign_limit)
    load_start = os.getloadavg()[0]
    pool = ClientPool(max(PROCESSES.get(c, min(4, c)) for c in args.clients))
    cells: list[Cell] = []
    memory: list[dict[str, Any]] = []
    stores: list[dict[str, Any]] = []
    answers: dict[str, Any] = {}
    try:
        for dialect in args.dialect:
            info, more, mem, ans = run_backend(dialect, args, pool)
            cells += more
            memory += mem
            answers[dialect] = ans
            stores.append(
                {
                    "dialect": dialect,
                    "counts": info.counts,
                    "n_runs": info.n_runs,
                    "build_seconds": info.build_seconds,
                }
            )
            if args.drop and info.mysql:
                drop_mysql_database(info.mysql)
                (
                    CACHE_DIR / f"kfp-n{info.n_executions}-s{info.seed}-v{info.version}.mysql.json"
                ).unlink(missing_ok=True)
    finally:
        pool.close()
    data = {
        "meta": {
            "date": dt.date.today().isoformat(),
            "machine": machine(),
            "lineage": git_state(),
            "ml_metadata": ml_metadata.__version__,
            "grpcio": grpc.__version__,
            "n": args.n,
            "seconds": round(time.perf_counter() - started),
            "warmup": args.warmup,
            "load_start": load_start,
            "load_end": os.getloadavg()[0],
        },
        "stores": stores,
        "answers_by_backend": answers,
        "cells": [asdict(c) for c in cells],
        "memory": memory,
    }
    data["meta"]["seconds_per_cell"] = args.seconds
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1))
    report(data)
    _say(f"raw results: {args.json}; took {data['meta']['seconds']} s")
    if args.write:
        replace_section(SECTION, section(data))
        _say("wrote the section to bench/README.md")
    bad = any(
        v.startswith("differs") for a in answers.values() for x in a.values() for v in x.values()
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
