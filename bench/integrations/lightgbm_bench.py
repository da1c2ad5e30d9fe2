"""Benchmark of lineage.lightgbm.callback(): what recording adds to a tiny LightGBM training.

``measure(reps)`` times the same training (``lightgbm.train``, 50 boosting rounds of 15-leaf
trees on 500x10 random samples, evaluated on a 100-sample validation set each round, one
thread) ``reps`` times without lineage and ``reps`` times with the callback recording into a
SQLite file (the parameters, the per-round binary_logloss series, the saved model as an
output; no environment or git capture), and returns the two medians in seconds. The first
training of each kind is a warm-up and is not timed; the two kinds alternate. Run in
.venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/lightgbm_bench.py [--reps 5]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, run as a script

from integrations import _timing  # noqa: E402

SAMPLES = 500
FEATURES = 10
ROUNDS = 50


def _train(folder: Path | None, index: int) -> float:
    import lightgbm as lgb
    import numpy as np

    import lineage

    rng = np.random.default_rng(index)
    X = rng.normal(size=(SAMPLES + 100, FEATURES))
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(int)
    train = lgb.Dataset(X[:SAMPLES], label=y[:SAMPLES])
    valid = lgb.Dataset(X[SAMPLES:], label=y[SAMPLES:], reference=train)
    callbacks: list[Any] = []
    if folder is not None:
        callbacks.append(
            lineage.lightgbm.callback(
                store=str(folder / "lineage.db"),
                artifacts_dir=folder / "artifacts",
                capture={"environment": False, "git": False},
            )
        )
    params = {"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1}
    start = time.perf_counter()
    lgb.train(
        params,
        train,
        num_boost_round=ROUNDS,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=callbacks,
    )
    return time.perf_counter() - start


def measure(reps: int) -> tuple[float, float]:
    """(median seconds of a tiny training without lineage, median with the callback)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return _timing.interleaved(lambda record, i: _train(folder if record else None, i), reps)


def main() -> None:
    _timing.main(measure, __doc__ or "", "training", reps=5)


if __name__ == "__main__":
    main()
