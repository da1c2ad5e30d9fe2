"""lineage.keras.LineageCallback: real tiny Keras 3 fits (torch backend), checked via the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import lineage
from lineage.track import current_run
from tests.integrations.conftest import OFF, framework, invoke

# Keras' own warning when it saves torch-backed weights with NumPy 2.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture
def keras() -> ModuleType:
    """Keras, imported after conftest set KERAS_BACKEND=torch."""
    module = framework("keras")
    assert module.backend.backend() == "torch"
    return module


def _data(keras: ModuleType) -> tuple[Any, Any]:
    np = framework("numpy")
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def _model(keras: ModuleType, lr: float = 0.01) -> Any:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="tiny",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def _row(output: str, name: str) -> list[str]:
    """The cells of the table row whose first cell is ``name``."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{output}")


def _show(db: str, run: str) -> str:
    result = invoke("--db", db, "runs", "show", run)
    assert result.exit_code == 0, result.output
    return result.output


def test_fit_records_params_epoch_series_and_model(
    keras: ModuleType, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    x, y = _data(keras)
    callback = lineage.keras.LineageCallback(batch_size=16, store=db, capture=OFF)
    history = _model(keras).fit(
        x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[callback]
    )
    run = callback.run
    assert run is not None
    assert run.state == "COMPLETE"
    assert current_run() is None  # the callback's own run is over

    out = _show(db, run.name)
    assert re.search(r"^step\s+tiny$", out, re.M)  # the execution type is the model's name
    assert re.search(r"^state\s+COMPLETE$", out, re.M)
    for name, value in [
        ("epochs", "3"),
        ("batch_size", "16"),
        ("steps_per_epoch", "3"),  # 48 training samples in batches of 16
        ("learning_rate", "0.01"),
        ("optimizer.class", "Adam"),
        ("optimizer.beta_1", "0.9"),
        ("loss_function", "binary_crossentropy"),
        ("model.name", "tiny"),
        ("model.params", "49"),
        ("model.layer_count", "2"),
        ("model.layers.dense", "Dense, 40 params"),
        ("model.layers.dense_1", "Dense, 9 params"),
    ]:
        assert _row(out, name)[1] == value, name
    for metric in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert _row(out, metric)[2] == "3 steps", metric
    model_row = _row(out, "model")
    assert model_row[2] == "Model"
    assert model_row[3] == str(tmp_path / f"{run.name}.keras")
    assert (tmp_path / f"{run.name}.keras").is_file()

    shown = json.loads(invoke("--db", db, "runs", "show", run.name, "--json").output)
    assert shown["state"] == "COMPLETE"
    assert shown["type"] == "tiny"
    assert shown["series"]["loss"]["steps"] == [0, 1, 2]
    assert shown["series"]["loss"]["values"] == pytest.approx(history.history["loss"])
    assert shown["series"]["val_loss"]["values"] == pytest.approx(history.history["val_loss"])
    assert not any(k.startswith("batch/") for k in shown["metrics"])  # per batch only if asked

    saved = keras.saving.load_model(tmp_path / f"{run.name}.keras")
    assert saved.count_params() == 49


def test_batches_are_recorded_when_asked(keras: ModuleType, db: str, tmp_path: Path) -> None:
    x, y = _data(keras)
    callback = lineage.keras.LineageCallback(
        log_batches=True, save_model=False, store=db, capture=OFF
    )
    _model(keras).fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[callback])
    shown = json.loads(invoke("--db", db, "runs", "show", callback.run.name, "--json").output)
    assert shown["series"]["batch/loss"]["steps"] == list(range(8))  # 2 epochs x 4 batches
    assert shown["series"]["loss"]["steps"] == [0, 1]
    assert shown["outputs"] == []


def test_compare_shows_what_differs_between_fits(
    keras: ModuleType, db: str, tmp_path: Path
) -> None:
    x, y = _data(keras)
    names = []
    for lr in (0.01, 0.1):
        callback = lineage.keras.LineageCallback(
            model_path=tmp_path / f"model-{lr}.keras", store=db, capture=OFF
        )
        lineage.keras.fit(_model(keras, lr), x, y, epochs=2, verbose=0, callback=callback)
        names.append(callback.run.name)
    result = invoke("--db", db, "runs", "compare", *names)
    assert result.exit_code == 0, result.output
    assert _row(result.output, "learning_rate")[1:3] == ["0.01", "0.1"]
    loss = _row(result.output, "loss")
    assert loss[1] != loss[2]
    every = invoke("--db", db, "runs", "compare", "--all", *names).output
    assert _row(every, "batch_size")[1:3] == ["32", "32"]  # Keras' default, recorded by fit()
    assert _row(every, "epochs")[1:3] == ["2", "2"]


def test_records_into_the_active_run(keras: ModuleType, db: str, tmp_path: Path) -> None:
    x, y = _data(keras)
    with lineage.run("experiment", params={"seed": 0}, store=db, capture=OFF) as run:
        callback = lineage.keras.LineageCallback(model_path=tmp_path / "m.keras")
        _model(keras).fit(x, y, epochs=2, verbose=0, callbacks=[callback])
        assert callback.run is run
        assert run.state == "RUNNING"
    listed = json.loads(invoke("--db", db, "runs", "ls", "--json").output)
    assert [r["name"] for r in listed] == [run.name]
    out = _show(db, run.name)
    assert re.search(r"^state\s+COMPLETE$", out, re.M)
    assert _row(out, "seed")[1] == "0"
    assert _row(out, "epochs")[1] == "2"
    assert _row(out, "loss")[2] == "2 steps"
    assert _row(out, "model")[3] == str(tmp_path / "m.keras")


def _boom(keras: ModuleType) -> Any:
    class Boom(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch == 1:
                raise RuntimeError("diverged")

    return Boom()


def test_a_failing_fit_through_fit_is_failed(keras: ModuleType, db: str, tmp_path: Path) -> None:
    x, y = _data(keras)
    callback = lineage.keras.LineageCallback(model_path=tmp_path / "m.keras", store=db, capture=OFF)
    with pytest.raises(RuntimeError, match="diverged"):
        lineage.keras.fit(
            _model(keras), x, y, epochs=3, verbose=0, callbacks=[_boom(keras)], callback=callback
        )
    assert current_run() is None
    shown = json.loads(invoke("--db", db, "runs", "show", callback.run.name, "--json").output)
    assert shown["state"] == "FAILED"
    assert (shown["error_type"], shown["error_message"]) == ("RuntimeError", "diverged")
    assert shown["series"]["loss"]["steps"] == [0]  # epoch 1 raised before lineage logged it
    assert shown["outputs"] == []
    assert not (tmp_path / "m.keras").exists()


def test_a_fit_that_raised_is_failed_when_the_callback_trains_again(
    keras: ModuleType, db: str, tmp_path: Path
) -> None:
    x, y = _data(keras)
    callback = lineage.keras.LineageCallback(model_path=tmp_path / "m.keras", store=db, capture=OFF)
    model = _model(keras)
    with pytest.raises(RuntimeError, match="diverged"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[_boom(keras), callback])
    first = callback.run.name
    # Keras does not call on_train_end after an error: the run is left RUNNING ...
    assert json.loads(invoke("--db", db, "runs", "show", first, "--json").output)["state"] == (
        "RUNNING"
    )
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    # ... until the callback starts training again.
    shown = json.loads(invoke("--db", db, "runs", "show", first, "--json").output)
    assert shown["state"] == "FAILED"
    assert shown["error_type"] == "TrainingInterrupted"
    second = json.loads(invoke("--db", db, "runs", "show", callback.run.name, "--json").output)
    assert second["state"] == "COMPLETE"
    assert second["parent_id"] is None
    assert current_run() is None


def test_model_path_must_be_a_keras_file(keras: ModuleType) -> None:
    with pytest.raises(lineage.errors.InvalidArgumentError, match=r"\.keras"):
        lineage.keras.LineageCallback(model_path="model.h5")
