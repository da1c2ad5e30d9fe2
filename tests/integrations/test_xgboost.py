"""lineage.xgboost.callback(): real tiny XGBoost trainings, checked through the CLI."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.integrations.conftest import OFF, framework, invoke, run_json, runs_json

np = framework("numpy")
xgb = framework("xgboost")


def _data(seed: int = 0, n: int = 200) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _dmatrices() -> tuple[Any, Any]:
    X, y = _data()
    return xgb.DMatrix(X[:150], label=y[:150]), xgb.DMatrix(X[150:], label=y[150:])


PARAMS = {"objective": "binary:logistic", "eta": 0.3, "max_depth": 3, "eval_metric": "logloss"}


def test_train_records_params_series_and_model(db: str, tmp_path: Path) -> None:
    dtrain, dvalid = _dmatrices()
    history: dict[str, Any] = {}
    cb = lineage.xgboost.callback(store=db, capture=OFF, artifacts_dir=tmp_path / "models")
    booster = xgb.train(
        PARAMS,
        dtrain,
        num_boost_round=8,
        evals=[(dtrain, "train"), (dvalid, "valid")],
        evals_result=history,
        callbacks=[cb],
        verbose_eval=False,
    )

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert (shown["type"], shown["state"]) == ("xgboost", "COMPLETE")
    params = shown["params"]
    assert (params["eta"], params["max_depth"]) == (0.3, 3)
    assert (params["objective"], params["eval_metric"]) == ("binary:logistic", "logloss")
    series = shown["series"]["valid-logloss"]
    assert series["steps"] == list(range(8))
    assert series["values"] == pytest.approx(history["valid"]["logloss"])
    assert shown["metrics"]["train-logloss"] == pytest.approx(history["train"]["logloss"][-1])
    [output] = shown["outputs"]
    assert (output["path"], output["type"]) == ("model", "Model")
    assert output["uri"] == str(tmp_path / "models" / shown["name"] / "model.json")
    restored = xgb.Booster(model_file=output["uri"])
    assert np.allclose(restored.predict(dvalid), booster.predict(dvalid))

    text = invoke("--db", db, "runs", "show", str(listed["id"])).output
    assert "valid-logloss" in text
    assert "8 steps" in text
    provenance = invoke("--db", db, "provenance", f"artifact:{output['id']}")
    assert provenance.exit_code == 0, provenance.output
    assert "max_depth=3" in provenance.output


def test_two_trainings_compare(db: str, tmp_path: Path) -> None:
    dtrain, dvalid = _dmatrices()
    for depth in (2, 4):
        xgb.train(
            {**PARAMS, "max_depth": depth},
            dtrain,
            num_boost_round=4,
            evals=[(dvalid, "valid")],
            callbacks=[lineage.xgboost.callback(store=db, capture=OFF, artifacts_dir=tmp_path)],
            verbose_eval=False,
        )
    first, second = sorted(r["id"] for r in runs_json(db))
    compared = invoke("--db", db, "runs", "compare", str(first), str(second))
    assert compared.exit_code == 0, compared.output
    [row] = [line for line in compared.output.splitlines() if line.startswith("│ max_depth ")]
    assert [cell.strip() for cell in row.split("│")][2:4] == ["2", "4"]
    assert "valid-logloss" in compared.output
    assert "eta" not in compared.output.split("Metrics")[0]  # equal params are not listed


def test_sklearn_api_with_early_stopping(db: str, tmp_path: Path) -> None:
    X, y = _data()
    model = xgb.XGBClassifier(
        n_estimators=200,
        max_depth=2,
        learning_rate=0.5,
        early_stopping_rounds=3,
        callbacks=[lineage.xgboost.callback(store=db, capture=OFF, artifacts_dir=tmp_path)],
    )
    model.fit(X[:150], y[:150], eval_set=[(X[150:], y[150:])], verbose=False)

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["params"]["max_depth"] == 2
    assert shown["metrics"]["best_iteration"] == model.best_iteration
    steps = shown["series"]["validation_0-logloss"]["steps"]
    assert steps[-1] < 199  # it stopped early
    assert steps[-1] == model.best_iteration + 3
    assert [o["type"] for o in shown["outputs"]] == ["Model"]


def test_records_into_the_active_run(db: str, tmp_path: Path) -> None:
    dtrain, dvalid = _dmatrices()
    with lineage.run("boost", params={"data": "v1"}, store=db, capture=OFF) as run:
        xgb.train(
            PARAMS,
            dtrain,
            num_boost_round=3,
            evals=[(dvalid, "valid")],
            callbacks=[lineage.xgboost.callback(artifacts_dir=tmp_path)],
            verbose_eval=False,
        )
        run.log_metric("after", 1.0)

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "boost"
    assert shown["params"]["data"] == "v1"
    assert shown["params"]["max_depth"] == 3
    assert shown["series"]["valid-logloss"]["steps"] == [0, 1, 2]
    assert shown["metrics"]["after"] == 1.0
    assert [o["path"] for o in shown["outputs"]] == ["model"]


def _failing_metric(rounds_ok: int) -> Any:
    calls = {"n": 0}

    def metric(predt: Any, dmatrix: Any) -> tuple[str, float]:
        calls["n"] += 1
        if calls["n"] > rounds_ok:
            raise ValueError("the metric broke")
        return "mine", 0.5

    return metric


def test_a_failing_training_in_the_context_manager_is_failed(db: str, tmp_path: Path) -> None:
    dtrain, dvalid = _dmatrices()
    cb = lineage.xgboost.callback(store=db, capture=OFF, artifacts_dir=tmp_path)
    with pytest.raises(ValueError, match="the metric broke"), cb:
        xgb.train(
            PARAMS,
            dtrain,
            num_boost_round=10,
            evals=[(dvalid, "valid")],
            custom_metric=_failing_metric(3),
            callbacks=[cb],
            verbose_eval=False,
        )

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["state"] == "FAILED"
    assert (shown["error_type"], shown["error_message"]) == ("ValueError", "the metric broke")
    assert shown["series"]["valid-mine"]["steps"] == [0, 1, 2]
    assert shown["outputs"] == []
    assert lineage.track.current_run() is None


def test_an_abandoned_training_is_failed_when_the_callback_goes(db: str, tmp_path: Path) -> None:
    dtrain, dvalid = _dmatrices()
    cb = lineage.xgboost.callback(store=db, capture=OFF, artifacts_dir=tmp_path)

    def train(callback: Any, metric: Any = None) -> None:
        xgb.train(
            PARAMS,
            dtrain,
            num_boost_round=4,
            evals=[(dvalid, "valid")],
            custom_metric=metric,
            callbacks=[callback],
            verbose_eval=False,
        )

    with pytest.raises(ValueError):
        train(cb, _failing_metric(1))
    assert lineage.track.current_run() is None  # the dead run is not left as the current one
    train(cb)  # the same callback again: the first run ends FAILED, a second one records
    runs = {r["id"]: r for r in runs_json(db)}
    assert len(runs) == 2
    first, second = (run_json(db, i) for i in sorted(runs))
    assert (first["state"], first["error_type"]) == ("FAILED", "TrainingInterrupted")
    assert second["state"] == "COMPLETE"

    with pytest.raises(ValueError):
        train(cb, _failing_metric(1))
    del cb
    gc.collect()
    [third] = [r for r in runs_json(db) if r["id"] not in runs]
    assert (third["state"], third["error_type"]) == ("FAILED", "TrainingInterrupted")


def test_sklearn_autolog_and_the_callback_record_one_run(db: str, tmp_path: Path) -> None:
    X, y = _data()
    lineage.sklearn.autolog(store=db, capture=OFF, artifacts_dir=tmp_path)
    try:
        model = xgb.XGBClassifier(
            n_estimators=3, max_depth=2, callbacks=[lineage.xgboost.callback()]
        )
        model.fit(X, y, eval_set=[(X, y)], verbose=False)
    finally:
        lineage.sklearn.autolog(disable=True)

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "XGBClassifier"
    assert shown["series"]["validation_0-logloss"]["steps"] == [0, 1, 2]
    outputs = {o["path"]: o["uri"] for o in shown["outputs"]}
    assert sorted(outputs) == ["model", "model-2"]
    assert {os.path.basename(u) for u in outputs.values()} == {"model.pkl", "model.json"}


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(lineage.errors.InvalidArgumentError, match="model_format"):
        lineage.xgboost.callback(model_format="bin")
    with pytest.raises(lineage.errors.InvalidArgumentError, match="params"):
        lineage.xgboost.callback(params=[("eta", 1)])  # type: ignore[arg-type]
