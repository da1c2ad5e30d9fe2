"""Benchmark of lineage.xgboost.callback(): what recording adds to a tiny XGBoost training.

``measure(reps)`` times the same training (``xgboost.train``, 50 boosting rounds of depth-3
trees on 500x10 random samples, evaluated on a 100-sample validation set each round, one
thread) ``reps`` times without lineage and ``reps`` times with the callback recording into a
SQLite file (the booster's parameters, the per-round logloss series, the saved model as an
output; no environment or git capture), and returns the two medians in seconds. The first
training of each kind is a warm-up and is not timed; the two kinds alternate. Run in
.venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/xgboost_bench.py [--reps 5]
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
    import numpy as np
    import xgboost as xgb

    import lineage

    rng = np.random.default_rng(index)
    X = rng.normal(size=(SAMPLES + 100, FEATURES))
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(int)
    dtrain = xgb.DMatrix(X[:SAMPLES], label=y[:SAMPLES])
    dvalid = xgb.DMatrix(X[SAMPLES:], label=y[SAMPLES:])
    callbacks: list[Any] = []
    if folder is not None:
        callbacks.append(
            lineage.xgboost.callback(
                store=str(folder / "lineage.db"),
                artifacts_dir=folder / "artifacts",
                capture={"environment": False, "git": False},
            )
        )
    params = {
        "objective": "binary:logistic",
        "max_depth": 3,
        "eval_metric": "logloss",
        "nthread": 1,
    }
    start = time.perf_counter()
    xgb.train(
        params,
        dtrain,
        num_boost_round=ROUNDS,
        evals=[(dvalid, "valid")],
        callbacks=callbacks,
        verbose_eval=False,
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
