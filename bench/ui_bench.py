"""The web app (``lineage ui``) on big stores: API latency, first paint and browser memory.

For each store (a 1,000,000-run SQLite file and a 100,000-run MariaDB database by default, built
once by ``_runs_store.py`` and cached), a real ``lineage ui`` process serves it on a loopback
port. The benchmark then

* calls every API endpoint the views call, ``--reps`` times each (sequentially, one client), and
  prints p50 / p95 against the 150 ms target;
* opens each view in Debian's Chromium (headless, Playwright) and reads the first contentful
  paint (and, for the graph, the time until it is drawn) against the 1.5 s target;
* opens the 2,000-node graph (a dataset read by 1,000 runs, two hops down, nothing collapsed) and
  measures the browser's memory (proportional set size of every Chromium process) against 300 MB.

    .venv/bin/python bench/ui_bench.py                     # both stores (builds them once)
    .venv/bin/python bench/ui_bench.py --sqlite 20000 --mysql 0 --reps 10   # quick
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _runs_store  # noqa: E402

P95_TARGET_MS = 150.0
PAINT_TARGET_MS = 1500.0
MEMORY_TARGET_MB = 300.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUC = "custom_properties.`metric.auc`.double_value"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def start_ui(url: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "lineage", "--db", url, "ui", "--no-browser", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/runs", line)
        if found:
            threading.Thread(target=lambda: list(process.stderr or ()), daemon=True).start()
            return process, found.group(1)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"lineage ui did not start on {url}")


def get(base: str, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return (time.perf_counter() - started) * 1000, status, body


def json_get(base: str, path: str) -> Any:
    import json

    _, status, body = get(base, path)
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
    return json.loads(body)


def endpoints(base: str) -> dict[str, str]:
    """The calls the views make, with ids picked from the store."""
    first = json_get(base, "/api/v1/runs?limit=50")
    runs = [r["id"] for r in first["runs"]]
    deep = first
    for _ in range(20):  # page 21 of the runs table
        deep = json_get(base, "/api/v1/runs" + deep["next_url"])
    run = runs[0]
    node = json_get(base, f"/api/v1/nodes/execution:{run}")
    model = node["outputs"][0]["artifact"]["ref"]
    dataset = node["inputs"][0]["artifact"]["ref"]
    q = urllib.parse.quote
    return {
        "runs: first page": "/api/v1/runs?limit=50",
        "runs: page 21": "/api/v1/runs" + deep["next_url"],
        "runs: metric filter": f"/api/v1/runs?limit=50&q={q(AUC + ' > 0.9')}",
        "runs: experiment": "/api/v1/runs?limit=50&experiment=exp-07",
        "runs: tag": "/api/v1/runs?limit=50&tag=sweep",
        "runs: state": "/api/v1/runs?limit=50&state=FAILED",
        "runs page (HTML)": "/runs",
        "compare 5 runs": "/api/v1/compare?runs=" + ",".join(map(str, runs[:5])),
        "compare page (HTML)": "/compare?runs=" + ",".join(map(str, runs[:5])),
        "node": f"/api/v1/nodes/{model}",
        "node page (HTML)": f"/nodes/{model}",
        "graph: 1 hop": f"/api/v1/graph?focus={model}",
        "graph: 2 up 1 down": f"/api/v1/graph?focus={model}&up=2&down=1",
        "graph: dataset, collapsed": f"/api/v1/graph?focus={dataset}&up=0&down=2",
        "graph: 2,000 nodes": f"/api/v1/graph?focus={dataset}&up=0&down=2&collapse=0",
        "provenance": f"/api/v1/nodes/{model}/provenance",
        "dossier (JSON)": f"/api/v1/reports/dossier/{model}",
        "search by id": f"/api/v1/nodes?q={run}",
        "search by name": f"/api/v1/nodes?q=run-{run - 1}&kind=execution",
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def api_table(base: str, reps: int) -> list[tuple[str, float, float, int]]:
    rows = []
    for name, path in endpoints(base).items():
        get(base, path)  # warm
        times = []
        status = 0
        for _ in range(reps):
            ms, status, _ = get(base, path)
            times.append(ms)
        rows.append((name, statistics.median(times), percentile(times, 0.95), status))
        _say(f"    {name}: p50 {rows[-1][1]:.1f} ms, p95 {rows[-1][2]:.1f} ms")
    return rows


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _chromium_pids(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
                todo += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return out


def browser_table(
    base: str, paths: dict[str, str]
) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not installed: make chromium")
    rows = []
    memory: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, path in paths.items():
            context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(120_000)
            started = time.perf_counter()
            page.goto(base + path)
            paint = page.evaluate(
                "() => new Promise(r => { const f = () => { const e = performance"
                ".getEntriesByName('first-contentful-paint')[0]; e ? r(e.startTime) : "
                "setTimeout(f, 20); }; f(); })"
            )
            drawn = float("nan")
            if "/nodes/" in path:
                page.wait_for_function("document.getElementById('graph').dataset.ready")
                drawn = (time.perf_counter() - started) * 1000
                if "collapse=0" in path:
                    shown = page.evaluate("window.lineageGraph.nodes().length")
                    page.mouse.move(700, 500)
                    page.mouse.wheel(0, -300)  # interact once, then measure
                    page.wait_for_timeout(500)
                    pids = _chromium_pids(browser_pid(browser))
                    renderers = [q for q in pids if b"--type=renderer" in _cmdline(q)]
                    tab = max(_pss_mb([q]) for q in renderers)
                    cdp = context.new_cdp_session(page)
                    cdp.send("Performance.enable")
                    metrics = {
                        m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                    }
                    heap = metrics.get("JSHeapUsedSize", 0) / 2**20
                    memory = {"tab": tab, "all": _pss_mb(pids), "heap": heap, "nodes": shown}
                    _say(f"    {shown} nodes drawn; tab {tab:.0f} MB, all {memory['all']:.0f} MB")
            rows.append((name, float(paint), drawn))
            _say(f"    {name}: first paint {paint:.0f} ms, drawn {drawn:.0f} ms")
            context.close()
        browser.close()
    return rows, memory


def browser_pid(browser: Any) -> int:
    """The pid of the Chromium process Playwright started (the child of its driver)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")[0]
            status = (entry / "status").read_text()
        except OSError:
            continue
        if cmd.endswith(b"chromium") or b"chromium/chromium" in cmd:
            ppid = int(re.search(r"PPid:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            if ppid != 1 and _is_descendant(ppid, me):
                return int(entry.name)
    raise SystemExit("cannot find the Chromium process")


def _is_descendant(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        pid = int(re.search(r"PPid:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return False


def run_store(label: str, url: str, reps: int) -> dict[str, Any]:
    _say(f"{label}: serving {url}")
    process, base = start_ui(url)
    try:
        calls = endpoints(base)
        api = api_table(base, reps)
        model = calls["node"].rsplit("/", 1)[1]
        dataset_graph = calls["graph: 2,000 nodes"].split("?", 1)[1]
        views = {
            "runs": "/runs",
            "compare": calls["compare page (HTML)"],
            "lineage explorer": f"/nodes/{model}?up=2",
            "graph, 2,000 nodes": "/nodes/"
            + urllib.parse.unquote(dataset_graph.split("&", 1)[0].split("=", 1)[1])
            + "?up=0&down=2&collapse=0",
            "dossier": f"/dossier/{model}",
        }
        paints, memory = browser_table(base, views)
    finally:
        process.terminate()
        process.wait(timeout=20)
    return {"label": label, "api": api, "paint": paints, "memory": memory}


def print_report(results: list[dict[str, Any]]) -> int:
    failures = 0
    for r in results:
        print(f"\n### {r['label']}\n")
        print(f"| API call | p50 ms | p95 ms | target p95 < {P95_TARGET_MS:.0f} ms |")
        print("|---|---:|---:|---|")
        for name, p50, p95, status in r["api"]:
            ok = p95 < P95_TARGET_MS and status == 200
            failures += not ok
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {'met' if ok else 'MISSED'} |")
        print(f"\n| view | first paint ms | drawn ms | target < {PAINT_TARGET_MS:.0f} ms |")
        print("|---|---:|---:|---|")
        for name, paint, drawn in r["paint"]:
            worst = max(paint, drawn) if drawn == drawn else paint
            ok = worst < PAINT_TARGET_MS
            failures += not ok
            shown = f"{drawn:.0f}" if drawn == drawn else ""
            print(f"| {name} | {paint:.0f} | {shown} | {'met' if ok else 'MISSED'} |")
        m = r["memory"]
        ok = 0 < m["tab"] < MEMORY_TARGET_MB
        failures += not ok
        print(
            f"\nBrowser memory with the {m['nodes']:,.0f}-node graph: the tab's renderer "
            f"{m['tab']:.0f} MB PSS (target < {MEMORY_TARGET_MB:.0f} MB: "
            f"{'met' if ok else 'MISSED'}); JS heap {m['heap']:.0f} MB; every Chromium "
            f"process together (browser, GPU, network, renderers) {m['all']:.0f} MB PSS."
        )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", type=int, default=1_000_000, help="runs in the SQLite store")
    parser.add_argument("--mysql", type=int, default=100_000, help="runs in MariaDB (0: skip)")
    parser.add_argument(
        "--mysql-url",
        default=os.environ.get(
            "LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"
        ),
    )
    parser.add_argument("--reps", type=int, default=30, help="calls per endpoint")
    args = parser.parse_args(argv)
    results = []
    if args.sqlite:
        info = _runs_store.build(args.sqlite, "sqlite", say=_say)
        results.append(run_store(f"SQLite, {args.sqlite:,} runs", info["url"], args.reps))
    if args.mysql:
        info = _runs_store.build(args.mysql, "mysql", args.mysql_url, say=_say)
        results.append(run_store(f"MariaDB, {args.mysql:,} runs", info["url"], args.reps))
    missed = print_report(results)
    print(f"\n{missed} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
