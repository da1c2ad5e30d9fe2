"""lineage.lightgbm.callback(): real tiny LightGBM trainings, checked through the CLI."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.integrations.conftest import OFF, framework, invoke, run_json, runs_json

np = framework("numpy")
lgb = framework("lightgbm")

PARAMS = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 7, "verbose": -1}


def _data(seed: int = 0, n: int = 300) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - X[:, 1] + 0.8 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _datasets() -> tuple[Any, Any]:
    X, y = _data()
    train = lgb.Dataset(X[:200], label=y[:200])
    return train, lgb.Dataset(X[200:], label=y[200:], reference=train)


def test_train_records_params_series_and_model(db: str, tmp_path: Path) -> None:
    train, valid = _datasets()
    history: dict[str, Any] = {}
    booster = lgb.train(
        PARAMS,
        train,
        num_boost_round=12,
        valid_sets=[train, valid],
        valid_names=["train", "valid"],
        callbacks=[
            lineage.lightgbm.callback(store=db, capture=OFF, artifacts_dir=tmp_path / "m"),
            lgb.record_evaluation(history),
        ],
    )

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert (shown["type"], shown["state"]) == ("lightgbm", "COMPLETE")
    params = shown["params"]
    assert (params["learning_rate"], params["num_leaves"], params["objective"]) == (
        0.1,
        7,
        "binary",
    )
    series = shown["series"]["valid-binary_logloss"]
    assert series["steps"] == list(range(12))
    assert series["values"] == pytest.approx(history["valid"]["binary_logloss"])
    assert shown["metrics"]["train-binary_logloss"] == pytest.approx(
        history["train"]["binary_logloss"][-1]
    )
    assert "best_iteration" not in shown["metrics"]
    [output] = shown["outputs"]
    assert (output["path"], output["type"]) == ("model", "Model")
    assert output["uri"] == str(tmp_path / "m" / shown["name"] / "model.txt")
    X, _ = _data()
    restored = lgb.Booster(model_file=output["uri"])
    assert np.allclose(restored.predict(X), booster.predict(X))

    provenance = invoke("--db", db, "provenance", f"artifact:{output['id']}")
    assert provenance.exit_code == 0, provenance.output
    assert "num_leaves=7" in provenance.output


def test_early_stopping_ends_the_run_with_the_best_iteration(db: str, tmp_path: Path) -> None:
    train, valid = _datasets()
    booster = lgb.train(
        {**PARAMS, "learning_rate": 0.5, "num_leaves": 31},
        train,
        num_boost_round=500,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[
            lgb.early_stopping(3, verbose=False),
            lineage.lightgbm.callback(store=db, capture=OFF, artifacts_dir=tmp_path),
        ],
    )
    assert booster.best_iteration < 100  # the data is noisy: it stops early

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["state"] == "COMPLETE"
    assert shown["metrics"]["best_iteration"] == booster.best_iteration
    # The round that stopped training is recorded too (the callback runs before early_stopping).
    assert shown["series"]["valid-binary_logloss"]["steps"][-1] == booster.best_iteration + 2
    [output] = shown["outputs"]
    assert lgb.Booster(model_file=output["uri"]).num_trees() == booster.best_iteration + 3


def test_two_trainings_compare(db: str, tmp_path: Path) -> None:
    train, valid = _datasets()
    for leaves in (3, 15):
        lgb.train(
            {**PARAMS, "num_leaves": leaves},
            train,
            num_boost_round=5,
            valid_sets=[valid],
            callbacks=[lineage.lightgbm.callback(store=db, capture=OFF, artifacts_dir=tmp_path)],
        )
    first, second = sorted(r["id"] for r in runs_json(db))
    compared = invoke("--db", db, "runs", "compare", str(first), str(second))
    assert compared.exit_code == 0, compared.output
    [row] = [line for line in compared.output.splitlines() if line.startswith("│ num_leaves ")]
    assert [cell.strip() for cell in row.split("│")][2:4] == ["3", "15"]
    assert "valid_0-binary_logloss" in compared.output


def test_sklearn_api_records_into_the_active_run(db: str, tmp_path: Path) -> None:
    X, y = _data()
    with lineage.run("boost", store=db, capture=OFF):
        model = lgb.LGBMClassifier(n_estimators=6, num_leaves=5, verbose=-1)
        model.fit(
            X,
            y,
            eval_X=(X[200:],),
            eval_y=(y[200:],),
            eval_names=["holdout"],
            callbacks=[lineage.lightgbm.callback(artifacts_dir=tmp_path)],
        )

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "boost"
    assert shown["params"]["num_leaves"] == 5
    assert shown["series"]["holdout-binary_logloss"]["steps"] == list(range(6))
    assert [o["type"] for o in shown["outputs"]] == ["Model"]


def _failing_metric(rounds_ok: int) -> Any:
    calls = {"n": 0}

    def metric(preds: Any, data: Any) -> tuple[str, float, bool]:
        calls["n"] += 1
        if calls["n"] > rounds_ok:
            raise ValueError("the metric broke")
        return "mine", 0.5, False

    return metric


def test_a_failing_training_in_the_context_manager_is_failed(db: str, tmp_path: Path) -> None:
    train, valid = _datasets()
    cb = lineage.lightgbm.callback(store=db, capture=OFF, artifacts_dir=tmp_path)
    with pytest.raises(ValueError, match="the metric broke"), cb:
        lgb.train(
            {**PARAMS, "metric": "None"},
            train,
            num_boost_round=10,
            valid_sets=[valid],
            valid_names=["valid"],
            feval=_failing_metric(3),
            callbacks=[cb],
        )

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["state"] == "FAILED"
    assert (shown["error_type"], shown["error_message"]) == ("ValueError", "the metric broke")
    assert shown["series"]["valid-mine"]["steps"] == [0, 1, 2]
    assert shown["outputs"] == []
    assert lineage.track.current_run() is None


def test_an_abandoned_training_is_failed_when_the_callback_goes(db: str, tmp_path: Path) -> None:
    train, valid = _datasets()
    cb = lineage.lightgbm.callback(store=db, capture=OFF, artifacts_dir=tmp_path)
    with pytest.raises(ValueError):
        lgb.train(
            {**PARAMS, "metric": "None"},
            train,
            num_boost_round=5,
            valid_sets=[valid],
            feval=_failing_metric(2),
            callbacks=[cb],
        )
    assert lineage.track.current_run() is None
    del cb
    gc.collect()
    [listed] = runs_json(db)
    assert (listed["state"], listed["error_type"]) == ("FAILED", "TrainingInterrupted")


def test_bad_params_name_the_field() -> None:
    with pytest.raises(lineage.errors.InvalidArgumentError, match="params"):
        lineage.lightgbm.callback(params="lr=1")  # type: ignore[arg-type]
