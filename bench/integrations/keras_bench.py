"""Benchmark of lineage.keras.LineageCallback: what recording adds to a tiny Keras 3 fit.

``measure(reps)`` times the same fit (a Dense 4-8-1 model, 256 random samples, 5 epochs of 8
batches, torch backend) ``reps`` times without lineage and ``reps`` times with the callback
recording into a SQLite file (parameters, per-epoch series, the saved model as an output; no
environment or git capture), and returns the two medians in seconds. The first fit of each kind
is a warm-up and is not timed; the timed fits alternate. Run in .venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/keras_bench.py [--reps 3]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, run as a script

from integrations import _timing  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "torch")

EPOCHS = 5
SAMPLES = 256
BATCH = 32


def _fit(folder: Path | None, index: int) -> float:
    import keras
    import numpy as np

    import lineage

    rng = np.random.default_rng(index)
    x = rng.normal(size=(SAMPLES, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    keras.utils.set_random_seed(index)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)],
        name="bench",
    )
    model.compile(optimizer="adam", loss="mse")
    callbacks: list[Any] = []
    if folder is not None:
        callbacks.append(
            lineage.keras.LineageCallback(
                batch_size=BATCH,
                model_path=folder / f"model-{index}.keras",
                store=str(folder / "lineage.db"),
                capture={"environment": False, "git": False},
            )
        )
    start = time.perf_counter()
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=callbacks)
    return time.perf_counter() - start


def measure(reps: int) -> tuple[float, float]:
    """(median seconds of a tiny fit without lineage, median with the callback recording)."""
    import warnings

    warnings.filterwarnings("ignore", message="__array__ implementation")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return _timing.interleaved(lambda record, i: _fit(folder if record else None, i), reps)


def main() -> None:
    _timing.main(measure, __doc__ or "", "fit", reps=3)


if __name__ == "__main__":
    main()
