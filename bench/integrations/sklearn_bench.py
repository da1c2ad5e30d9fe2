"""Benchmark of lineage.sklearn.autolog(): what recording adds to a tiny scikit-learn fit.

``measure(reps)`` times the same fit (a StandardScaler + LogisticRegression pipeline on 500x10
random samples) ``reps`` times without lineage and ``reps`` times with ``autolog()`` recording
each fit as a run into a SQLite file (parameters, the training data fingerprinted as inputs,
the training score, the pickled model as an output; no environment or git capture), and
returns the two medians in seconds. ``autolog()`` itself (it imports every estimator module
once, about a second) and the first fit of each kind are not timed. Run in .venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/sklearn_bench.py [--reps 5]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, run as a script

from integrations import _timing  # noqa: E402

SAMPLES = 500
FEATURES = 10


def _fit(index: int) -> float:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(index)
    X = rng.normal(size=(SAMPLES, FEATURES))
    y = (X[:, 0] + rng.normal(size=SAMPLES) > 0).astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200))
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def measure(reps: int) -> tuple[float, float]:
    """(median seconds of a tiny fit without lineage, median with autolog recording)."""
    import lineage

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _fit(0)
        plain = [_fit(i) for i in range(1, reps + 1)]
        lineage.sklearn.autolog(
            store=str(folder / "lineage.db"),
            artifacts_dir=folder / "artifacts",
            capture={"environment": False, "git": False},
        )
        try:
            _fit(0)
            recorded = [_fit(i) for i in range(1, reps + 1)]
        finally:
            lineage.sklearn.autolog(disable=True)
    return statistics.median(plain), statistics.median(recorded)


def main() -> None:
    _timing.main(measure, __doc__ or "", "fit", reps=5)


if __name__ == "__main__":
    main()
