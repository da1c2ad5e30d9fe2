"""XGBoost: a training callback that records a run, ``lineage.xgboost.callback()``.

Pass it to ``xgboost.train(params, dtrain, evals=[(dvalid, "valid")],
callbacks=[lineage.xgboost.callback()])`` or to the scikit-learn API,
``XGBClassifier(callbacks=[lineage.xgboost.callback()])``. It records:

* parameters: the booster's configuration when training begins (every training parameter,
  defaults included: ``eta``, ``max_depth``, ``objective``, ``eval_metric``, ``seed``, ...),
  with ``params=`` given to :func:`callback` on top;
* metrics: each evaluation metric of each ``evals`` set as a series ``<eval name>-<metric>``
  (``valid-logloss``; ``validation_0-logloss`` with the scikit-learn API), step = boosting
  round (from 0), final value = the last round's; with early stopping also
  ``best_iteration`` and ``best_score``;
* outputs: the trained booster saved with ``Booster.save_model`` to
  ``<artifacts>/<run name>/model.json`` (``model_format="ubj"`` for ``model.ubj``), a
  ``Model`` artifact at event path ``model``; ``<artifacts>`` is ``artifacts_dir=``, else
  ``$LINEAGE_ARTIFACTS``, else ``./lineage-artifacts``.

Inside ``with lineage.run(...)`` it records into that run. Otherwise it starts its own run when
training begins (type ``xgboost``, kind ``train``) and ends it COMPLETE when training ends.
XGBoost tells callbacks nothing when training raises: use the callback as a context manager
(``with lineage.xgboost.callback() as cb: xgb.train(..., callbacks=[cb])``) to record the
error; without one the run is ended FAILED (``TrainingInterrupted``) when the callback trains
again, is garbage-collected, or the interpreter exits.

One callback object records one training at a time; copies of it (``sklearn.clone``,
``copy.deepcopy``, pickling) are fresh callbacks with the same settings.
"""

from __future__ import annotations

import json
import os
from types import TracebackType
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.integrations._base import (
    Recorder,
    artifact_path,
    lazy_attributes,
    require,
    unique_name,
)

__all__ = ["booster_params", "callback"]  # and LineageCallback, built on first use

#: Model file formats ``Booster.save_model`` writes, by the suffix it picks them by.
MODEL_FORMATS: Final = ("json", "ubj")

_class: type | None = None


def callback(
    *,
    store: Any = None,
    experiment: str | None = None,
    name: str = "xgboost",
    params: dict[str, Any] | None = None,
    artifacts_dir: str | os.PathLike[str] | None = None,
    model_format: str = "json",
    log_model: bool = True,
    tags: Any = (),
    capture: Any = None,
) -> Any:
    """A new ``xgboost.callback.TrainingCallback`` that records the training (module docs).

    Args:
        store: The store of the run it starts (default ``$LINEAGE_DB``, else ``./lineage.db``).
        experiment: The experiment of the run it starts.
        name: The run (execution type) name of the run it starts.
        params: Parameters to record on top of the booster's configuration.
        artifacts_dir: Where the model goes (``<dir>/<run name>/model.json``).
        model_format: ``json`` or ``ubj``.
        log_model: False to not save the model.
        tags: Tags of the run it starts.
        capture: ``capture=`` of the run it starts (see :func:`lineage.run`).

    Raises:
        ImportError: xgboost is not installed.
        InvalidArgumentError: A bad ``model_format`` or ``params``.
    """
    if model_format not in MODEL_FORMATS:
        raise InvalidArgumentError(
            f"model_format must be one of {', '.join(MODEL_FORMATS)}, got {model_format!r}"
        )
    if params is not None and not isinstance(params, dict):
        raise InvalidArgumentError(f"params must be a dict, got {type(params).__name__}")
    settings: dict[str, Any] = {
        "store": store,
        "experiment": experiment,
        "name": name,
        "params": params,
        "artifacts_dir": None if artifacts_dir is None else os.fspath(artifacts_dir),
        "model_format": model_format,
        "log_model": bool(log_model),
        "tags": tags,
        "capture": capture,
    }
    return _callback_class()(settings)


def booster_params(booster: Any) -> dict[str, Any]:
    """The training parameters in a booster's configuration, as flat name → value.

    Numbers are parsed from XGBoost's text (float32 values rounded to 7 digits: ``eta`` 0.3,
    not 0.300000012); model facts (``num_trees``, ``base_score``) are left out.
    """
    config = json.loads(booster.save_config())
    learner = config.get("learner", {})
    out: dict[str, Any] = {}

    def collect(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if isinstance(value, dict):
                if key.endswith("_param") and "model_param" not in key:
                    for name, text in value.items():
                        if not isinstance(text, (dict, list)):
                            out.setdefault(str(name), _number(text))
                else:
                    collect(value)

    collect(learner)
    booster_name = learner.get("gradient_booster", {}).get("name")
    if booster_name:
        out["booster"] = booster_name
    metrics = [m.get("name") for m in learner.get("metrics", []) if isinstance(m, dict)]
    if metrics:
        out["eval_metric"] = ",".join(str(m) for m in metrics)
    return dict(sorted(out.items()))


def _number(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return float(f"{value:.7g}") if value == value and abs(value) != float("inf") else text


def _rebuild(settings: dict[str, Any]) -> Any:
    return _callback_class()(settings)


def _callback_class() -> type:
    global _class
    if _class is None:
        xgb_callback = require("xgboost.callback", "xgboost", package="xgboost")
        _class = _build(xgb_callback.TrainingCallback)
    return _class


def _build(base: Any) -> type:
    class LineageCallback(base):
        """Records an XGBoost training as a lineage run (see lineage.integrations.xgboost)."""

        def __init__(self, settings: dict[str, Any]) -> None:
            super().__init__()
            self.settings = dict(settings)
            run_kwargs = {
                k: settings[k] for k in ("store", "experiment", "tags") if settings.get(k)
            }
            if settings.get("capture") is not None:
                run_kwargs["capture"] = settings["capture"]
            self.recorder = Recorder("xgboost", settings["name"], run_kwargs)

        # -------------------------------------------------------------- xgboost's hooks
        def before_training(self, model: Any) -> Any:
            params = booster_params(model) if hasattr(model, "save_config") else {}
            params.update(self.settings.get("params") or {})
            self.recorder.begin(params)
            return model

        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            run = self.recorder.run
            if run is None:
                return False
            for data_name, metrics in evals_log.items():
                for metric, history in metrics.items():
                    if not history:
                        continue
                    last = history[-1]
                    value = last[0] if isinstance(last, (tuple, list)) else last
                    run.log_metric(f"{data_name}-{metric}", float(value), step=int(epoch))
            return False

        def after_training(self, model: Any) -> Any:
            run = self.recorder.run
            if run is None:
                return model
            try:
                best = model.attr("best_iteration") if hasattr(model, "attr") else None
                if best is not None:
                    run.log_metric("best_iteration", int(best))
                    score = model.attr("best_score")
                    if score is not None:
                        run.log_metric("best_score", float(score))
                if self.settings["log_model"] and hasattr(model, "save_model"):
                    suffix = "." + self.settings["model_format"]
                    path = artifact_path(run, self.settings["artifacts_dir"], "model", suffix)
                    model.save_model(os.fspath(path))
                    run.output(path, name=unique_name(run, "model"), type="Model")
            except BaseException as exc:
                self.recorder.end(exc)
                raise
            self.recorder.end(None)
            return model

        # -------------------------------------------------------------- context manager
        def __enter__(self) -> Any:
            return self

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            if self.recorder.run is not None:
                self.recorder.end(exc)

        def __reduce__(self) -> Any:
            return (_rebuild, (self.settings,))

        def __repr__(self) -> str:
            return f"lineage.xgboost.callback(name={self.settings['name']!r})"

    LineageCallback.__module__ = __name__
    return LineageCallback


__getattr__ = lazy_attributes(__name__, {"LineageCallback": _callback_class})
