"""Benchmark of lineage.lightning.LineageLogger: what recording adds to a tiny Lightning fit.

``measure(reps)`` times the same fit (a 16-32-1 MLP, 512 random samples of 16 features, batches
of 32, so 16 steps an epoch, 3 epochs, a metric logged every step, the default
``ModelCheckpoint``) ``reps`` times without a logger and ``reps`` times with ``LineageLogger``
recording into a SQLite file (parameters, the per-step series, the best checkpoint as an
output; no environment or git capture), and returns the two medians in seconds. The first fit
of each kind is a warm-up and is not timed; the timed fits alternate, on one torch thread. Run
in .venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/lightning_bench.py [--reps 3]
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, run as a script

from integrations import _timing  # noqa: E402

EPOCHS = 3
SAMPLES = 512
FEATURES = 16
BATCH = 32


def _module() -> Any:
    import lightning.pytorch as pl
    import torch

    class Mlp(pl.LightningModule):  # type: ignore[misc]
        def __init__(self, lr: float = 0.01, hidden: int = 32) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(FEATURES, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
            )

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    return Mlp


def _fit(folder: Path, record: bool, index: int) -> float:
    import lightning.pytorch as pl
    import torch

    import lineage

    generator = torch.Generator().manual_seed(index)
    x = torch.randn(SAMPLES, FEATURES, generator=generator)
    y = x.sum(dim=1, keepdim=True)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    logger: Any = False
    if record:
        logger = lineage.lightning.LineageLogger(
            store=str(folder / "lineage.db"), capture={"environment": False, "git": False}
        )
    torch.manual_seed(index)
    trainer = pl.Trainer(
        max_epochs=EPOCHS,
        logger=logger,
        default_root_dir=str(folder / f"fit-{int(record)}-{index}"),
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
    )
    model = _module()()
    start = time.perf_counter()
    trainer.fit(model, loader)
    return time.perf_counter() - start


def measure(reps: int) -> tuple[float, float]:
    """(median seconds of a tiny fit without lineage, median with the logger recording)."""
    import torch

    torch.set_num_threads(1)  # steadier timings on a shared machine
    warnings.filterwarnings("ignore")
    for name in ("lightning.pytorch", "lightning.pytorch.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return _timing.interleaved(lambda record, i: _fit(folder, record, i), reps)


def main() -> None:
    _timing.main(measure, __doc__ or "", "fit", reps=3)


if __name__ == "__main__":
    main()
