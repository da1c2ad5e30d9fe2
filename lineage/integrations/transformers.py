"""Hugging Face Transformers: a ``TrainerCallback`` that records ``Trainer.train`` as a lineage run.

``lineage.transformers.LineageCallback()`` is a ``transformers.TrainerCallback``::

    trainer = transformers.Trainer(model=model, args=args, train_dataset=train,
                                   callbacks=[lineage.transformers.LineageCallback()])
    trainer.train()

It records into the run active around ``train`` (``with lineage.run(...)``), or else into a run
of its own named ``train`` (the ``name`` argument) that starts at ``on_train_begin`` and ends
COMPLETE at ``on_train_end``. The Trainer has no hook for a training that raises: wrap
``trainer.train()`` in ``with lineage.run(...)`` to have such a run recorded FAILED (a run of the
callback's own left RUNNING by an error is ended FAILED when the callback's next training
begins). What is recorded:

* parameters: the ``TrainingArguments`` (``args.to_dict()``: ``param.learning_rate``,
  ``param.per_device_train_batch_size``, ...) and the model's config (``model.config.to_dict()``)
  under ``model_config`` (``param.model_config.hidden_size``). Keys that may hold a secret are
  never recorded, at any depth: any key that is secret by lineage's one redaction rule
  (:func:`lineage.track.redaction.is_secret_name`: ``hub_token``, ``push_to_hub_token``, ...);
  integer token ids (``pad_token_id``, ``eos_token_id``, ...) are not secrets and are kept;
* metrics: everything numeric the Trainer logs (``loss``, ``learning_rate``, ``grad_norm``,
  ``epoch``, ``eval_*``, and the ``train_*`` summary at the end) as series with step
  ``state.global_step``. An ``evaluate()`` after training is recorded only into an active run;
* models: each checkpoint folder the Trainer saves (``on_save``: ``<output_dir>/checkpoint-N``)
  as a ``Model`` output with event path ``checkpoint-N``, and at ``on_train_end`` the
  ``output_dir`` itself as a ``Model`` output with event path ``model`` when a model was saved
  there (a ``config.json`` next to weights). ``trainer.save_model()`` after ``train()`` happens
  after the callback's own run has ended: to record it, train inside ``with lineage.run(...)``
  and add ``run.output(args.output_dir, name="model", type="Model")``.

Only the main process (``state.is_world_process_zero``) records.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

from lineage.errors import LineageError
from lineage.integrations._base import RunScope, lazy_attributes, metric_number, require
from lineage.track import Run, current_run
from lineage.track.redaction import is_secret_name

# LineageCallback subclasses the framework's TrainerCallback: built on first access (__getattr__).
__all__ = ["LineageCallback", "safe_params"]  # noqa: F822

_log = logging.getLogger("lineage.integrations.transformers")

#: Files whose presence at the top of ``output_dir`` shows a model was saved there.
WEIGHT_FILES: Final = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "adapter_model.safetensors",
    "adapter_model.bin",
)
#: The params key the model's config is recorded under.
MODEL_CONFIG: Final = "model_config"


def _secret(key: str) -> bool:
    return is_secret_name(key)


def _token_id(key: str, value: Any) -> bool:
    """An integer token id (``pad_token_id``, ``bad_words_ids``...) in a model config."""
    if not (key.endswith("_token_id") or key.endswith("_token_ids")):
        return False
    values = value if isinstance(value, (list, tuple)) else [value]
    return all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values)


def safe_params(value: Any, *, keep_token_ids: bool = False) -> Any:
    """``value`` as plain parameter data without any key that may hold a secret.

    Args:
        value: A mapping (``TrainingArguments.to_dict()``, ``config.to_dict()``) or a value.
        keep_token_ids: Keep integer ``*_token_id(s)`` keys (model configs).

    Example:
        >>> safe_params({"lr": 0.1, "hub_token": "hf_x", "opt": {"api_key": "k", "b": (1, 2)}})
        {'lr': 0.1, 'opt': {'b': [1, 2]}}
        >>> safe_params({"pad_token_id": 0, "hub_token": "x"}, keep_token_ids=True)
        {'pad_token_id': 0}
    """
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if not name:
                continue
            if _secret(name) and not (keep_token_ids and _token_id(name, item)):
                continue
            out[name] = safe_params(item, keep_token_ids=keep_token_ids)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [safe_params(v, keep_token_ids=keep_token_ids) for v in items]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, (str, int, float)) and not isinstance(enum_value, bool):
        return enum_value
    return str(value)


def _saved_model(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "config.json")) and any(
        os.path.isfile(os.path.join(folder, name)) for name in WEIGHT_FILES
    )


@functools.cache
def _callback_class() -> type:
    transformers = require("transformers", "transformers")
    base: Any = transformers.TrainerCallback
    prefix = str(getattr(transformers.trainer_utils, "PREFIX_CHECKPOINT_DIR", "checkpoint"))

    class LineageCallback(base):
        """A Trainer callback that records training into lineage (see the module docstring).

        Args:
            name: The run's step name (its execution type) when the callback starts its own run.
            kind: The MLMD base type of that run (``train``, ``evaluate``, ...).
            checkpoints: Record saved checkpoints and the saved model as ``Model`` outputs.
            model_config: Record the model's config under ``model_config``.
            **run_kwargs: Further :func:`lineage.run` arguments (``store``, ``experiment``,
                ``inputs``, ``tags``, ``capture``, ...) used when the callback starts its own run.
        """

        def __init__(
            self,
            name: str = "train",
            *,
            kind: str = "train",
            checkpoints: bool = True,
            model_config: bool = True,
            **run_kwargs: Any,
        ) -> None:
            super().__init__()
            self._scope = RunScope(name, kind=kind, **run_kwargs)
            self._record_models = checkpoints
            self._record_config = model_config
            self._recorded: set[tuple[int, str]] = set()
            self._skipped: set[str] = set()
            self._last_run: Run | None = None

        @property
        def run(self) -> Run | None:
            """The run being recorded, else the last one recorded (None before any)."""
            return self._scope.run or self._last_run

        # ------------------------------------------------------------ Trainer events
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not state.is_world_process_zero:
                return
            stale = self._scope.run
            if self._scope.owned and stale is not None and stale.state == "RUNNING":
                self._scope.end(RuntimeError("the training ended before on_train_end"))
            params: dict[str, Any] = dict(safe_params(args.to_dict()))
            config: Any = getattr(kwargs.get("model"), "config", None)
            if self._record_config and callable(getattr(config, "to_dict", None)):
                params[MODEL_CONFIG] = safe_params(config.to_dict(), keep_token_ids=True)
            run = self._scope.begin()
            self._last_run = run
            try:
                run.log_params(params)
            except LineageError as exc:
                _log.warning("lineage: training arguments not recorded: %s", exc)

        def on_log(
            self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any
        ) -> None:
            run = self._running(state)
            if run is None or not logs:
                return
            step = int(state.global_step)
            for key, value in logs.items():
                number = metric_number(value)
                if number is None:
                    continue  # text the Trainer logs now and then
                try:
                    run.log_metric(str(key), number, step)
                except LineageError as exc:
                    if key not in self._skipped:
                        self._skipped.add(key)
                        _log.warning("lineage: not recording metric %r: %s", key, exc)

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            run = self._running(state)
            if run is None or not self._record_models:
                return
            name = f"{prefix}-{state.global_step}"
            self._output(run, os.path.join(args.output_dir, name), name)

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            run = self._running(state)
            if run is None:
                return
            if self._record_models and args.output_dir and _saved_model(args.output_dir):
                self._output(run, args.output_dir, "model")
            self._last_run = run
            self._scope.end()

        # ------------------------------------------------------------ internals
        def _running(self, state: Any) -> Run | None:
            """The run to record into now: ours, or the active one; None otherwise."""
            if not state.is_world_process_zero:
                return None
            run = self._scope.run
            if run is not None and run.state == "RUNNING":
                return run
            active = current_run()
            if active is not None and active.state == "RUNNING":
                run = self._scope.begin()
                self._last_run = run
                return run
            return None

        def _output(self, run: Run, path: str, name: str) -> None:
            key = (run.id or 0, os.path.abspath(path))
            if key in self._recorded or not os.path.exists(path):
                return
            try:
                run.output(path, name=name, type="Model")
            except LineageError as exc:
                _log.warning("lineage: %s not recorded: %s", path, exc)
                return
            self._recorded.add(key)

    LineageCallback.__module__ = __name__
    return LineageCallback


__getattr__ = lazy_attributes(__name__, {"LineageCallback": _callback_class})
