"""lineage.sklearn.autolog(): real tiny scikit-learn fits, checked through the CLI."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.integrations.conftest import OFF, framework, invoke, run_json, runs_json

np = framework("numpy")
pd = framework("pandas")
sklearn = framework("sklearn")
metrics = framework("sklearn.metrics")
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ORIGINAL_FIT = LogisticRegression.fit
ORIGINAL_ACCURACY = metrics.accuracy_score


def _data(seed: int = 0, n: int = 80) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.fixture(autouse=True)
def _autolog_off() -> Iterator[None]:
    """Every test ends with scikit-learn unpatched, whatever it asserted."""
    yield
    lineage.sklearn.autolog(disable=True)


@pytest.fixture
def autolog(db: str, tmp_path: Path) -> Iterator[Path]:
    """autolog into the test's store; the models go to the returned folder."""
    artifacts = tmp_path / "artifacts"
    lineage.sklearn.autolog(store=db, capture=OFF, artifacts_dir=artifacts)
    yield artifacts
    lineage.sklearn.autolog(disable=True)


def test_a_fit_records_params_data_score_and_the_pickled_model(db: str, autolog: Path) -> None:
    X, y = _data()
    model = LogisticRegression(C=0.5, max_iter=200).fit(X, y)

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "LogisticRegression"
    assert shown["state"] == "COMPLETE"
    assert shown["params"]["C"] == 0.5
    assert shown["params"]["max_iter"] == 200
    assert shown["params"]["solver"] == "lbfgs"
    assert shown["metrics"]["training_score"] == pytest.approx(model.score(X, y))
    inputs = {i["path"]: i for i in shown["inputs"]}
    assert set(inputs) == {"X", "y"}
    assert inputs["X"]["type"] == "Dataset"
    assert inputs["X"]["fingerprint"].startswith("memory:sha256:")
    [output] = shown["outputs"]
    assert (output["path"], output["type"]) == ("model", "Model")
    assert output["uri"] == str(autolog / shown["name"] / "model.pkl")
    with open(output["uri"], "rb") as saved:
        restored = pickle.load(saved)
    assert (restored.predict(X) == model.predict(X)).all()

    text = invoke("--db", db, "runs", "show", str(listed["id"])).output
    assert "training_score" in text
    assert "model.pkl" in text

    provenance = invoke("--db", db, "provenance", f"artifact:{output['id']}")
    assert provenance.exit_code == 0, provenance.output
    assert "LogisticRegression" in provenance.output
    assert "C=0.5" in provenance.output
    assert "ndarray" in provenance.output  # the training data, an input of the model


def test_nested_fits_of_a_pipeline_in_a_grid_search_record_one_run(db: str, autolog: Path) -> None:
    X, y = _data()
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    search = GridSearchCV(pipeline, {"clf__C": [0.1, 1.0]}, cv=3).fit(X, y)

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "GridSearchCV"
    assert shown["params"]["cv"] == 3
    assert shown["params"]["estimator__clf__C"] == 1.0
    assert json.loads(shown["params"]["param_grid"]) == {"clf__C": [0.1, 1.0]}
    assert "StandardScaler()" in shown["params"]["estimator__steps"]  # non-scalars as text
    assert shown["metrics"]["training_score"] == pytest.approx(search.score(X, y))
    assert [o["path"] for o in shown["outputs"]] == ["model"]


def test_candidates_fitted_in_worker_threads_are_part_of_the_search(db: str, autolog: Path) -> None:
    joblib = framework("joblib")
    X, y = _data()
    with joblib.parallel_backend("threading", n_jobs=2):
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
    assert [r["type"] for r in runs_json(db)] == ["GridSearchCV"]


def test_fits_inside_an_active_run_record_into_it_with_suffixes(db: str, autolog: Path) -> None:
    X, y = _data()
    X_more, y_more = _data(seed=2, n=120)
    X_test, y_test = _data(seed=1, n=40)
    with lineage.run("compare-models", store=db, capture=OFF):
        small = LogisticRegression(C=0.01).fit(X, y)
        big = make_pipeline(StandardScaler(), LogisticRegression(C=10.0)).fit(X_more, y_more)
        first = metrics.accuracy_score(y_test, small.predict(X_test))
        second = metrics.accuracy_score(y_test, big.predict(X_test))
        metrics.f1_score(y_test, big.predict(X_test), average=None)  # an array: not logged
        mse = metrics.mean_squared_error(y_test, big.predict_proba(X_test)[:, 1])

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "compare-models"
    assert shown["metrics"]["accuracy_score"] == pytest.approx(first)
    assert shown["metrics"]["accuracy_score-2"] == pytest.approx(second)
    assert shown["metrics"]["mean_squared_error"] == pytest.approx(mse)
    assert "f1_score" not in shown["metrics"]
    assert shown["metrics"]["training_score"] == pytest.approx(small.score(X, y))
    assert shown["metrics"]["training_score-2"] == pytest.approx(big.score(X_more, y_more))
    assert sorted(o["path"] for o in shown["outputs"]) == ["model", "model-2"]
    inputs = {i["path"]: i["uri"] for i in shown["inputs"]}
    assert sorted(inputs) == ["X", "X-2", "y", "y-2"]
    assert inputs["X-2"].endswith("120x3")


def test_metrics_outside_any_run_are_not_recorded(db: str, autolog: Path) -> None:
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    assert metrics.accuracy_score(y, model.predict(X)) > 0.5
    [listed] = runs_json(db)
    assert set(run_json(db, listed["id"])["metrics"]) == {"training_score"}


def test_two_runs_compare_by_params_metrics_and_data(db: str, autolog: Path) -> None:
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    LogisticRegression(C=0.1).fit(frame, y)
    LogisticRegression(C=1.0).fit(frame.copy(), y)  # another object, the same content
    runs = sorted(r["id"] for r in runs_json(db))
    assert len(runs) == 2

    compared = invoke("--db", db, "runs", "compare", str(runs[0]), str(runs[1]))
    assert compared.exit_code == 0, compared.output
    [c_row] = [line for line in compared.output.splitlines() if line.startswith("│ C ")]
    assert [cell.strip() for cell in c_row.split("│")][2:4] == ["0.1", "1"]
    first, second = run_json(db, runs[0]), run_json(db, runs[1])
    [x1] = [i for i in first["inputs"] if i["path"] == "X"]
    [x2] = [i for i in second["inputs"] if i["path"] == "X"]
    assert x1["id"] == x2["id"]  # the same data, one artifact
    assert x1["uri"] == "memory://dataframe/80x3"


def test_a_failing_fit_records_a_failed_run_and_raises(db: str, autolog: Path) -> None:
    X, _ = _data()
    with pytest.raises(ValueError, match="class"):
        LogisticRegression().fit(X, np.zeros(len(X)))  # one class only

    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["state"] == "FAILED"
    assert shown["error_type"] == "ValueError"
    assert "class" in shown["error_message"]
    assert shown["outputs"] == []
    assert shown["params"]["C"] == 1.0


def test_disable_restores_fit_and_metrics(db: str, tmp_path: Path) -> None:
    lineage.sklearn.autolog(store=db, capture=OFF, artifacts_dir=tmp_path)
    assert LogisticRegression.fit is not ORIGINAL_FIT
    assert lineage.sklearn.is_enabled()
    lineage.sklearn.autolog(disable=True)
    assert LogisticRegression.fit is ORIGINAL_FIT
    assert metrics.accuracy_score is ORIGINAL_ACCURACY
    assert not lineage.sklearn.is_enabled()

    X, y = _data()
    LogisticRegression().fit(X, y)
    assert not Path(db).exists()  # nothing recorded, not even a store created


def test_autolog_twice_patches_once(db: str, autolog: Path) -> None:
    lineage.sklearn.autolog(store=db, capture=OFF, artifacts_dir=autolog)
    X, y = _data()
    LogisticRegression().fit(X, y)
    assert len(runs_json(db)) == 1
    lineage.sklearn.autolog(disable=True)
    assert LogisticRegression.fit is ORIGINAL_FIT


class Memorizer(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A user's own estimator, defined before autolog() is called."""

    def __init__(self, label: int = 1, scale: Any = None) -> None:
        self.label = label
        self.scale = scale

    def fit(self, X: Any, y: Any) -> Memorizer:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.label)


def test_a_users_estimator_is_recorded_with_plain_lists(db: str, autolog: Path) -> None:
    X, y = _data()
    Memorizer(label=1, scale=(1, 2)).fit(X.tolist(), y.tolist())
    [listed] = runs_json(db)
    shown = run_json(db, listed["id"])
    assert shown["type"] == "Memorizer"
    assert shown["params"] == {"label": 1, "scale": "[1, 2]"}
    assert shown["metrics"]["training_score"] == pytest.approx(float(np.mean(y == 1)))
    assert sorted(i["path"] for i in shown["inputs"]) == ["X", "y"]


def test_bad_settings_name_the_field(db: str) -> None:
    with pytest.raises(lineage.errors.InvalidArgumentError, match="experiment"):
        lineage.sklearn.autolog(experiment="")
    with pytest.raises(lineage.errors.InvalidArgumentError, match="artifacts_dir"):
        lineage.sklearn.autolog(artifacts_dir=3)  # type: ignore[arg-type]
    assert not lineage.sklearn.is_enabled()
