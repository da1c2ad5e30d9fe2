"""lineage.lightning.LineageLogger: real tiny Lightning trainings, checked through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.integrations.conftest import OFF, framework, invoke, run_json

torch = framework("torch")
pl = framework("lightning.pytorch")
LightningModule: Any = pl.LightningModule

# Lightning's own warnings about this tiny setup (few workers, few batches, torch deprecations).
pytestmark = [
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    pytest.mark.filterwarnings("ignore:The number of training batches"),
]


def _dataset(folder: Path) -> Path:
    """A fixed random regression data set written to a file (the run's input)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])
    path = folder / "data.pt"
    torch.save({"x": x, "y": y}, path)
    return path


class TinyModel(LightningModule):  # type: ignore[misc]
    def __init__(self, lr: float = 0.1, hidden: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader(data: Path) -> Any:
    saved = torch.load(data)
    dataset = torch.utils.data.TensorDataset(saved["x"], saved["y"])
    return torch.utils.data.DataLoader(dataset, batch_size=16)


def _trainer(root: Path, logger: Any, *, epochs: int = 2, **kwargs: Any) -> Any:
    return pl.Trainer(
        max_epochs=epochs,
        logger=logger,
        default_root_dir=str(root),
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
        **kwargs,
    )


def _train(root: Path, data: Path, lr: float, logger: Any, **kwargs: Any) -> Any:
    torch.manual_seed(0)
    trainer = _trainer(root, logger, **kwargs)
    trainer.fit(TinyModel(lr=lr), _loader(data), _loader(data))
    return trainer


def test_logger_records_its_own_run(db: str, tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    logger = lineage.lightning.LineageLogger(store=db, capture=OFF, inputs=[data])
    # mode="max" keeps the first epoch as "best", so best and last differ in content (the same
    # content would be one artifact, recorded once).
    checkpoint = pl.callbacks.ModelCheckpoint(monitor="val_loss", mode="max", save_last=True)
    _train(tmp_path, data, 0.05, logger, callbacks=[checkpoint])

    run = logger.run
    assert run is not None
    assert run.state == "COMPLETE"
    assert logger.name == "train"
    assert logger.version == run.name
    # Lightning put the checkpoints under <root>/<logger name>/<run name>/checkpoints.
    assert Path(checkpoint.best_model_path).parent == tmp_path / "train" / run.name / "checkpoints"

    shown = run_json(db, str(run.id))
    assert shown["state"] == "COMPLETE"
    assert shown["type"] == "train"
    assert shown["params"] == {"lr": 0.05, "hidden": 8}
    # 64 rows / 16 per batch = 4 steps an epoch, 2 epochs; every step logged.
    assert shown["series"]["train_loss"]["steps"] == list(range(8))
    assert len(shown["series"]["val_loss"]["steps"]) == 2
    assert shown["metrics"]["val_loss"] == shown["series"]["val_loss"]["values"][-1]
    assert max(shown["series"]["val_loss"]["values"]) == pytest.approx(
        float(checkpoint.best_model_score), 1e-6
    )
    assert "epoch" in shown["metrics"]
    outputs = {o["path"]: o for o in shown["outputs"]}
    assert set(outputs) == {"best_checkpoint", "last_checkpoint"}
    assert outputs["best_checkpoint"]["type"] == "Model"
    assert outputs["best_checkpoint"]["uri"] == checkpoint.best_model_path
    assert checkpoint.best_model_path.endswith("epoch=0-step=4.ckpt")
    assert outputs["last_checkpoint"]["uri"] == checkpoint.last_model_path
    assert [i["uri"] for i in shown["inputs"]] == [str(data)]

    text = invoke("--db", db, "runs", "show", str(run.id)).output
    assert "best_checkpoint" in text
    assert "train_loss" in text
    assert "lr" in text

    best = outputs["best_checkpoint"]["id"]
    prov = invoke("--db", db, "provenance", f"artifact:{best}", "--json")
    assert prov.exit_code == 0, prov.output
    provenance = json.loads(prov.output)
    assert str(data) in prov.output
    assert "0.05" in prov.output
    assert provenance  # a non-empty account of what produced the checkpoint


def test_logger_records_into_the_active_run(db: str, tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    with lineage.run("finetune", store=db, capture=OFF, params={"seed": 0}) as run:
        logger = lineage.lightning.LineageLogger()
        _train(tmp_path, data, 0.1, logger, epochs=1)
        assert run.state == "RUNNING"  # the logger does not end a run it did not start
        run.log_metric("extra", 1.0)
    assert logger.run is run
    assert logger.version == run.name
    shown = run_json(db, str(run.id))
    assert shown["type"] == "finetune"
    assert shown["params"] == {"seed": 0, "lr": 0.1, "hidden": 8}
    assert {"train_loss", "val_loss", "extra"} <= set(shown["metrics"])
    assert [o["path"] for o in shown["outputs"]] == ["best_checkpoint"]
    listing = json.loads(invoke("--db", db, "runs", "ls", "--json").output)
    assert [r["id"] for r in listing] == [run.id]  # no second run was started


def test_a_failing_fit_ends_the_run_failed(db: str, tmp_path: Path) -> None:
    class Broken(TinyModel):
        def training_step(self, batch: Any, batch_idx: int) -> Any:
            if self.global_step == 2:
                raise ValueError("diverged")
            return super().training_step(batch, batch_idx)

    data = _dataset(tmp_path)
    logger = lineage.lightning.LineageLogger(store=db, capture=OFF)
    with pytest.raises(ValueError, match="diverged"):
        _trainer(tmp_path, logger).fit(Broken(), _loader(data), _loader(data))
    assert logger.run is not None
    shown = run_json(db, str(logger.run.id))
    assert shown["state"] == "FAILED"
    assert shown["error_type"] == "ValueError"
    assert "diverged" in shown["error_message"]
    assert shown["series"]["train_loss"]["steps"] == [0, 1]


def test_changing_the_learning_rate_is_the_only_cause_diff_names(db: str, tmp_path: Path) -> None:
    """The acceptance story: two trainings, one changed learning rate, then ``lineage diff``."""
    data = _dataset(tmp_path)
    models = []
    for lr in (0.1, 0.01):
        logger = lineage.lightning.LineageLogger(store=db, capture=OFF, inputs=[data])
        _train(tmp_path, data, lr, logger)
        assert logger.run is not None
        best = [o for o in logger.run.outputs if o.path == "best_checkpoint"]
        assert len(best) == 1
        models.append(f"artifact:{best[0].id}")

    result = invoke("--db", db, "diff", *models, "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    assert [(c["name"], c["a"], c["b"]) for c in diff["parameters"]] == [("lr", 0.1, 0.01)]
    assert diff["data"] == []
    assert diff["code"] == []
    assert diff["packages"] == []
    text = invoke("--db", db, "diff", *models).output
    assert "lr" in text
    assert "0.1" in text
    assert "0.01" in text

    compare = invoke("--db", db, "runs", "compare", "1", "2").output
    assert "lr" in compare
    assert "hidden" not in compare


def test_hyperparameters_that_are_objects_become_plain_values(db: str, tmp_path: Path) -> None:
    class WithObjects(TinyModel):
        def __init__(self, lr: float = 0.1, scale: Any = None, act: Any = None) -> None:
            super().__init__(lr=lr)
            self.save_hyperparameters()

    data = _dataset(tmp_path)
    logger = lineage.lightning.LineageLogger(store=db, capture=OFF)
    torch.manual_seed(0)
    model = WithObjects(lr=0.1, scale=torch.tensor(2.5), act=torch.nn.ReLU)
    _trainer(tmp_path, logger, epochs=1).fit(model, _loader(data), _loader(data))
    assert logger.run is not None
    params = run_json(db, str(logger.run.id))["params"]
    assert params["scale"] == 2.5
    assert params["act"] == "torch.nn.modules.activation.ReLU"
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM Execution").fetchone()
    assert count == 1
