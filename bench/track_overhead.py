"""Benchmark of the recording front end: run overhead and hashing throughput.

1. Overhead: the time ``with lineage.run(...)`` adds to a run with 5 inputs (1 MiB files), 2
   outputs (written fresh before each run, 100 KiB each), parameters, git and environment
   capture, on a SQLite file store: the first run in the process (environment capture, type
   registration, opening the store) and the median / p90 of the following runs. Target: under
   50 ms after the first run.
2. Hashing throughput: lineage's streamed sha256 fingerprint of one large file (512 MiB by
   default) against ``sha256sum`` on the same file, both with the file in the page cache; best
   of three. Then a repeated fingerprint of the unchanged file (served by the stat cache).

Run from the repository root (so git capture sees a real repository):

    .venv/bin/python bench/track_overhead.py [--runs 30] [--size-mib 512]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import lineage
from lineage.track import hashing

MIB = 1 << 20


def _write_random(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 16 * MIB)
            f.write(os.urandom(n))
            left -= n


def run_overhead(folder: Path, runs: int) -> dict[str, float]:
    """Record ``runs`` runs; return the first and later timings in milliseconds."""
    inputs = []
    for i in range(5):
        path = folder / f"input-{i}.bin"
        _write_random(path, MIB)
        inputs.append(path)
    store = folder / "bench.db"
    outputs = [folder / "model.pkl", folder / "report.json"]
    timings = []
    for i in range(runs):
        for path in outputs:  # the body's work: new outputs each run (not timed)
            _write_random(path, 100 * 1024)
        start = time.perf_counter()
        with lineage.run(
            "train",
            params={"lr": 0.01 * (i + 1), "epochs": 10, "layers": [64, 32]},
            inputs=inputs,
            experiment="bench",
            store=store,
        ) as run:
            run.log_metric("auc", 0.5 + i / 1000)
            run.output(outputs[0], type="Model")
            run.output(outputs[1])
        timings.append((time.perf_counter() - start) * 1000)
    later = sorted(timings[1:])
    return {
        "first": timings[0],
        "median": statistics.median(later),
        "p90": later[int(0.9 * (len(later) - 1))],
        "max": later[-1],
        "runs": float(runs),
    }


def hash_throughput(folder: Path, size_mib: int) -> dict[str, float]:
    """Best-of-three MB/s of lineage's fingerprint and of sha256sum on one file."""
    path = folder / "big.bin"
    _write_random(path, size_mib * MIB)
    size = path.stat().st_size
    ours, theirs = [], []
    for _ in range(3):
        hashing.clear_cache()
        start = time.perf_counter()
        digest = hashing.fingerprint(path, progress=False).digest
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        out = subprocess.run(["sha256sum", str(path)], capture_output=True, check=True, text=True)
        theirs.append(time.perf_counter() - start)
        assert digest == "sha256:" + out.stdout.split()[0], "digests differ"
    start = time.perf_counter()
    hashing.fingerprint(path)
    cached = time.perf_counter() - start
    return {
        "size_mb": size / 1e6,
        "lineage_mb_s": size / 1e6 / min(ours),
        "sha256sum_mb_s": size / 1e6 / min(theirs),
        "cached_ms": cached * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs to record (default 30)")
    parser.add_argument("--size-mib", type=int, default=512, help="hashed file size in MiB")
    parser.add_argument("--skip-hash", action="store_true", help="skip the hashing benchmark")
    args = parser.parse_args()
    console = Console()
    folder = Path(tempfile.mkdtemp(prefix="lineage-bench-"))
    try:
        overhead = run_overhead(folder, args.runs)
        table = Table(title="Recording overhead (5 inputs, 2 outputs, env + git capture, SQLite)")
        for column in ("measure", "value"):
            table.add_column(column)
        table.add_row("first run in the process", f"{overhead['first']:.1f} ms")
        table.add_row(f"median of runs 2..{args.runs}", f"{overhead['median']:.1f} ms")
        table.add_row("p90 of later runs", f"{overhead['p90']:.1f} ms")
        table.add_row("slowest later run", f"{overhead['max']:.1f} ms")
        table.add_row("target (later runs)", "< 50 ms")
        console.print(table)
        if not args.skip_hash:
            if shutil.which("sha256sum") is None:
                console.print("sha256sum is not installed: hashing comparison skipped")
                return
            speed = hash_throughput(folder, args.size_mib)
            table = Table(title=f"Hashing throughput, one {speed['size_mb']:.0f} MB file")
            for column in ("tool", "throughput"):
                table.add_column(column)
            table.add_row(
                "lineage fingerprint (sha256, 1 MiB chunks)", f"{speed['lineage_mb_s']:.0f} MB/s"
            )
            table.add_row("sha256sum", f"{speed['sha256sum_mb_s']:.0f} MB/s")
            table.add_row(
                "lineage, unchanged file again (stat cache)", f"{speed['cached_ms']:.2f} ms"
            )
            console.print(table)
    finally:
        lineage.track.close_stores()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
