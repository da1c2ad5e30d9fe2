"""lineage.transformers.LineageCallback: a real tiny BERT, trained, checked through the CLI.

Two kinds of tests: the ``Trainer`` ones train with ``transformers.Trainer`` (which needs the
``accelerate`` package); the loop ones train the same model with a plain torch loop that fires
the Trainer's events through transformers' own ``CallbackHandler``, as ``Trainer`` does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.track.redaction import is_secret_name
from tests.integrations.conftest import OFF, framework, invoke, run_json

torch = framework("torch")
transformers = framework("transformers")
Dataset: Any = torch.utils.data.Dataset
TrainingArguments: Any = transformers.TrainingArguments

SECRET = "hf_do_not_record_this_0123456789"


class RandomTokens(Dataset):  # type: ignore[misc]
    """Random token ids with binary labels (a fixed seed, so every run sees the same data)."""

    def __init__(self, rows: int = 16, length: int = 8) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(1, 50, (rows, length), generator=generator)
        self.labels = torch.randint(0, 2, (rows,), generator=generator)

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self) -> dict[str, Any]:
        """All rows as one batch."""
        ids = self.ids
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": self.labels}

    def __getitem__(self, index: int) -> dict[str, Any]:
        return {
            "input_ids": self.ids[index],
            "attention_mask": torch.ones_like(self.ids[index]),
            "labels": self.labels[index],
        }


class ArgsWithoutDevices(TrainingArguments):  # type: ignore[misc]
    """The real TrainingArguments (fields, to_dict) minus its device setup (needs accelerate)."""

    def __post_init__(self) -> None:
        pass


def _loop(out: Path, callback: Any, *, steps: int = 4, save_every: int = 2) -> Any:
    """Train with a torch loop, firing the Trainer's events as Trainer does."""
    handler_type = transformers.trainer_callback.CallbackHandler
    model = _model()
    args = ArgsWithoutDevices(
        output_dir=str(out), learning_rate=1e-3, max_steps=steps, hub_token=SECRET, report_to=[]
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    handler = handler_type([callback], model, None, optimizer, None)
    state = transformers.TrainerState(max_steps=steps)
    control = transformers.TrainerControl()
    handler.on_train_begin(args, state, control)
    train = torch.utils.data.DataLoader(RandomTokens(), batch_size=4)
    evaluation = RandomTokens(8).batch()
    for batch in train:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        state.global_step += 1
        logs = {"loss": loss.item(), "learning_rate": args.learning_rate, "epoch": 1.0}
        handler.on_log(args, state, control, logs)
        if state.global_step % save_every == 0:
            with torch.no_grad():
                handler.on_log(args, state, control, {"eval_loss": model(**evaluation).loss})
            model.save_pretrained(out / f"checkpoint-{state.global_step}")
            handler.on_save(args, state, control)
    handler.on_log(args, state, control, {"train_loss": loss.item(), "note": "done"})
    handler.on_train_end(args, state, control)
    return model


def _model() -> Any:
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
    )
    return transformers.BertForSequenceClassification(config)


def _trainer(out: Path, callback: Any, **kwargs: Any) -> Any:
    framework("accelerate")  # transformers' Trainer needs it
    settings: dict[str, Any] = {
        "max_steps": 4,
        "per_device_train_batch_size": 4,
        "per_device_eval_batch_size": 8,
        "learning_rate": 1e-3,
        "logging_steps": 1,
        "eval_strategy": "steps",
        "eval_steps": 2,
        "save_strategy": "steps",
        "save_steps": 2,
        "use_cpu": True,
        "report_to": [],
        "disable_tqdm": True,
        "hub_token": SECRET,
        "seed": 0,
    }
    args = transformers.TrainingArguments(output_dir=str(out), **{**settings, **kwargs})
    return transformers.Trainer(
        model=_model(),
        args=args,
        train_dataset=RandomTokens(),
        eval_dataset=RandomTokens(8),
        callbacks=[callback],
    )


def test_callback_records_params_metrics_and_checkpoints(db: str, tmp_path: Path) -> None:
    callback = lineage.transformers.LineageCallback(store=db, capture=OFF)
    trainer = _trainer(tmp_path / "out", callback)
    trainer.train()

    run = callback.run
    assert run is not None
    assert run.state == "COMPLETE"
    shown = run_json(db, run.id)
    assert shown["type"] == "train"
    params = shown["params"]
    assert params["learning_rate"] == 1e-3
    assert params["max_steps"] == 4
    assert params["model_config.hidden_size"] == 16
    assert params["model_config.num_attention_heads"] == 2
    assert params["model_config.pad_token_id"] == 0  # token ids are not secrets
    # Names with "token" that are not secrets are kept (counts, flags and the token ids);
    # hub_token is the only secret among them and is never recorded.
    tokens = sorted(k for k in params if "token" in k.lower())
    assert "hub_token" not in tokens
    assert [k for k in tokens if k.startswith("model_config.")] == [
        f"model_config.{n}_token_id" for n in ("bos", "eos", "pad")
    ]
    assert not [k for k in tokens if is_secret_name(k.rsplit(".", 1)[-1])]

    series = shown["series"]
    assert series["loss"]["steps"] == [1, 2, 3, 4]
    assert series["learning_rate"]["steps"] == [1, 2, 3, 4]
    assert series["eval_loss"]["steps"] == [2, 4]
    assert "train_runtime" in shown["metrics"]

    outputs = {o["path"]: o for o in shown["outputs"]}
    assert set(outputs) == {"checkpoint-2", "checkpoint-4"}
    assert outputs["checkpoint-4"]["type"] == "Model"
    assert outputs["checkpoint-4"]["uri"] == str(tmp_path / "out" / "checkpoint-4")
    assert outputs["checkpoint-4"]["file_count"] >= 2

    prov = invoke("--db", db, "provenance", f"artifact:{outputs['checkpoint-4']['id']}")
    assert prov.exit_code == 0, prov.output
    assert run.name is not None
    assert run.name in prov.output


def test_no_secret_reaches_the_store(db: str, tmp_path: Path) -> None:
    callback = lineage.transformers.LineageCallback(store=db, capture=OFF)
    _trainer(tmp_path / "out", callback, push_to_hub=False).train()
    assert callback.run is not None
    shown = invoke("--db", db, "runs", "show", str(callback.run.id), "--json").output
    assert "hub_token" not in shown
    assert SECRET not in shown
    raw = Path(db).read_bytes()
    assert SECRET.encode() not in raw
    assert b"HUB_TOKEN" not in raw


def test_callback_records_into_the_active_run(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    callback = lineage.transformers.LineageCallback()
    with lineage.run("finetune", store=db, capture=OFF, params={"task": "toy"}) as run:
        trainer = _trainer(out, callback, save_strategy="no")
        trainer.train()
        assert run.state == "RUNNING"  # the callback leaves the user's run open
        trainer.save_model()
        metrics = trainer.evaluate()
        run.output(out, name="model", type="Model")
    shown = run_json(db, run.id)
    assert shown["type"] == "finetune"
    assert shown["params"]["task"] == "toy"
    assert shown["params"]["learning_rate"] == 1e-3
    # evaluate() after training is logged into the active run at the last step.
    assert shown["series"]["eval_loss"]["steps"] == [2, 4, 4]
    assert shown["metrics"]["eval_loss"] == pytest.approx(metrics["eval_loss"])
    assert [o["path"] for o in shown["outputs"]] == ["model"]
    listing = json.loads(invoke("--db", db, "runs", "ls", "--json").output)
    assert [r["id"] for r in listing] == [run.id]


def test_a_model_saved_in_output_dir_is_recorded_at_train_end(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _trainer(out, lineage.transformers.LineageCallback(store=db, capture=OFF))
    first.train()
    first.save_model()  # now output_dir holds a model: the next training's end records it
    callback = lineage.transformers.LineageCallback(store=db, capture=OFF, checkpoints=True)
    _trainer(out, callback, save_strategy="no").train()
    assert callback.run is not None
    outputs = {o["path"]: o for o in run_json(db, callback.run.id)["outputs"]}
    assert set(outputs) == {"model"}
    assert outputs["model"]["uri"] == str(out)
    assert outputs["model"]["type"] == "Model"


def test_loop_records_params_metrics_and_checkpoints(db: str, tmp_path: Path) -> None:
    callback = lineage.transformers.LineageCallback(store=db, capture=OFF)
    _loop(tmp_path / "out", callback)
    run = callback.run
    assert run is not None
    assert run.state == "COMPLETE"
    shown = run_json(db, run.id)
    assert shown["type"] == "train"
    params = shown["params"]
    assert params["learning_rate"] == 1e-3
    assert params["max_steps"] == 4
    assert params["model_config.hidden_size"] == 16
    assert params["model_config.model_type"] == "bert"
    assert params["model_config.pad_token_id"] == 0  # token ids are not secrets
    # Names with "token" that are not secrets are kept (counts, flags and the token ids);
    # hub_token is the only secret among them and is never recorded.
    tokens = sorted(k for k in params if "token" in k.lower())
    assert "hub_token" not in tokens
    assert [k for k in tokens if k.startswith("model_config.")] == [
        f"model_config.{n}_token_id" for n in ("bos", "eos", "pad")
    ]
    assert not [k for k in tokens if is_secret_name(k.rsplit(".", 1)[-1])]
    assert shown["series"]["loss"]["steps"] == [1, 2, 3, 4]
    assert shown["series"]["eval_loss"]["steps"] == [2, 4]
    assert "note" not in shown["metrics"]  # text is not a metric
    outputs = {o["path"]: o for o in shown["outputs"]}
    assert set(outputs) == {"checkpoint-2", "checkpoint-4"}
    assert outputs["checkpoint-2"]["type"] == "Model"
    assert outputs["checkpoint-2"]["uri"] == str(tmp_path / "out" / "checkpoint-2")
    assert outputs["checkpoint-2"]["fingerprint"] != outputs["checkpoint-4"]["fingerprint"]

    text = invoke("--db", db, "runs", "show", str(run.id)).output
    assert "checkpoint-4" in text
    assert "model_config.hidden_size" in text
    prov = invoke("--db", db, "provenance", f"artifact:{outputs['checkpoint-4']['id']}")
    assert prov.exit_code == 0, prov.output
    assert run.name is not None
    assert run.name in prov.output


def test_loop_never_records_a_secret(db: str, tmp_path: Path) -> None:
    callback = lineage.transformers.LineageCallback(store=db, capture=OFF)
    _loop(tmp_path / "out", callback, steps=2)
    assert callback.run is not None
    shown = invoke("--db", db, "runs", "show", str(callback.run.id), "--json").output
    assert "hub_token" not in shown
    raw = Path(db).read_bytes()
    assert SECRET.encode() not in raw
    assert b"HUB_TOKEN" not in raw


def test_loop_compare_shows_the_changed_learning_rate(db: str, tmp_path: Path) -> None:
    for lr in (1e-3, 1e-2):
        callback = lineage.transformers.LineageCallback(store=db, capture=OFF)
        model = _model()
        args = ArgsWithoutDevices(output_dir=str(tmp_path / "out"), learning_rate=lr, report_to=[])
        handler = transformers.trainer_callback.CallbackHandler([callback], model, None, None, None)
        state, control = transformers.TrainerState(), transformers.TrainerControl()
        handler.on_train_begin(args, state, control)
        handler.on_log(args, state, control, {"loss": 1.0})
        handler.on_train_end(args, state, control)
    compare = invoke("--db", db, "runs", "compare", "1", "2")
    assert compare.exit_code == 0, compare.output
    text = compare.output
    assert "learning_rate" in text
    assert "model_config.hidden_size" not in text  # equal rows are not shown
