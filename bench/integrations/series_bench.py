"""Benchmark of metric series: 100,000 points over 10 metrics, against a tiny training loop.

The target: a run logging 100,000 points over 10 metrics (10,000 steps of 10 metrics) costs
under 5% of the time of the tiny training loop that produces them, and stores the series
compactly. ``measure_series()`` times

* the training loop: 10,000 SGD steps of a 16-32-1 MLP on batches of 32 random rows (plain
  torch, one thread, nothing logged), the loop whose steps the points would describe;
* ``Run.log_metric``: 100,000 calls inside a run recording into a SQLite file, and the run's
  end, which writes the series (the Metrics artifact) in one transaction;
* ``LineageLogger.log_metrics`` (lineage.lightning): 10,000 calls of 10 metrics each, the way
  Lightning calls a logger, and ``finalize`` (its own run's end);

and reads back the stored size of each run's Metrics artifact (the bytes of its property values
in the SQLite file) and the points kept per series (at most ``MAX_SERIES_POINTS``, thinned
evenly beyond that; 10,000 steps per metric is exactly the limit, so nothing is thinned; a
second Run.log_metric pass of 100,000 steps of one metric shows the thinning). Run in
.venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/series_bench.py
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from lineage.conventions import MAX_SERIES_POINTS, METRICS_TYPE

POINTS = 100_000
METRICS = 10
STEPS = POINTS // METRICS
CAPTURE = {"environment": False, "git": False}


def _training_loop(steps: int = STEPS) -> float:
    """Seconds for ``steps`` SGD steps of a tiny MLP (the loop the points would come from)."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(512, 16)
    y = x.sum(dim=1, keepdim=True)
    net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    start = time.perf_counter()
    for step in range(steps):
        i = (step * 32) % 512
        loss = torch.nn.functional.mse_loss(net(x[i : i + 32]), y[i : i + 32])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def _stored(db: Path, run_id: int) -> tuple[int, int]:
    """(bytes of the run's Metrics artifact's property values, series points kept)."""
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT a.id FROM Artifact a JOIN Type t ON t.id = a.type_id "
            "JOIN Event e ON e.artifact_id = a.id WHERE t.name = ? AND e.execution_id = ?",
            (METRICS_TYPE, run_id),
        ).fetchone()
        (size,) = connection.execute(
            "SELECT SUM(COALESCE(LENGTH(string_value), 0) + COALESCE(LENGTH(proto_value), 0)"
            " + COALESCE(LENGTH(byte_value), 0) + 8) FROM ArtifactProperty WHERE artifact_id = ?",
            (row[0],),
        ).fetchone()
    return int(size), _points(db, run_id)


def _points(db: Path, run_id: int) -> int:
    from click.testing import CliRunner

    from lineage.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db), "runs", "show", str(run_id), "--json"])
    shown: dict[str, Any] = json.loads(result.output)
    return sum(len(s["steps"]) for s in shown["series"].values())


def _with_run(db: Path, steps: int, metrics: int) -> dict[str, float]:
    import lineage

    names = [f"metric_{m}" for m in range(metrics)]
    with lineage.run("series", store=str(db), capture=CAPTURE) as run:
        start = time.perf_counter()
        for step in range(steps):
            for m, name in enumerate(names):
                run.log_metric(name, step * 0.001 + m, step)
        logged = time.perf_counter()
    ended = time.perf_counter()
    assert run.id is not None
    size, kept = _stored(db, run.id)
    return {"log_s": logged - start, "end_s": ended - logged, "bytes": size, "points_kept": kept}


def _with_logger(db: Path) -> dict[str, float]:
    import lineage

    logger = lineage.lightning.LineageLogger("series", store=str(db), capture=CAPTURE)
    names = [f"metric_{m}" for m in range(METRICS)]
    _ = logger.experiment  # the Trainer starts it in setup, before any step
    start = time.perf_counter()
    for step in range(STEPS):
        logger.log_metrics({name: step * 0.001 + m for m, name in enumerate(names)}, step)
    logged = time.perf_counter()
    logger.finalize("success")
    ended = time.perf_counter()
    run = logger.run
    assert run is not None
    assert run.id is not None
    size, kept = _stored(db, run.id)
    return {"log_s": logged - start, "end_s": ended - logged, "bytes": size, "points_kept": kept}


def measure_series() -> dict[str, Any]:
    """Timings (seconds), overheads (% of the training loop), stored bytes and points kept."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        loop_s = min(_training_loop() for _ in range(2))
        run = _with_run(folder / "run.db", STEPS, METRICS)
        logger = _with_logger(folder / "logger.db")
        thinned = _with_run(folder / "thinned.db", POINTS, 1)
    raw_bytes = POINTS * 16  # an int64 step and a float64 value per point
    out: dict[str, Any] = {
        "points": POINTS,
        "metrics": METRICS,
        "max_series_points": MAX_SERIES_POINTS,
        "training_loop_s": loop_s,
        "raw_bytes": raw_bytes,
    }
    for key, got in (("run", run), ("lightning_logger", logger)):
        total = got["log_s"] + got["end_s"]
        out[key] = {**got, "total_s": total, "overhead_pct": 100 * total / loop_s}
        out[key]["bytes_per_point"] = got["bytes"] / max(got["points_kept"], 1)
    out["run_one_metric_100k"] = thinned
    return out


def main() -> None:
    result = measure_series()
    print(f"training loop ({STEPS:,} steps): {result['training_loop_s'] * 1000:.0f} ms")
    for key in ("run", "lightning_logger"):
        got = result[key]
        print(
            f"{key}: log {got['log_s'] * 1000:.0f} ms + end {got['end_s'] * 1000:.0f} ms"
            f" = {got['overhead_pct']:.1f}% of the loop; Metrics artifact {got['bytes']:,} bytes"
            f" for {got['points_kept']:,} points ({got['bytes_per_point']:.1f} B/point)"
        )
    thin = result["run_one_metric_100k"]
    print(
        f"one metric, 100,000 steps: {thin['points_kept']:,} points kept, {thin['bytes']:,} bytes"
    )


if __name__ == "__main__":
    main()
