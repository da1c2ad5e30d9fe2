"""Benchmark of lineage.transformers.LineageCallback: what recording adds to a tiny training.

``measure(reps)`` times the same tiny training (a one-layer BERT, hidden size 16, vocabulary 50,
on 512 random sequences of 16 token ids, batches of 32, so 16 steps, every step logged, a
checkpoint saved every 8 steps) ``reps`` times without the callback and ``reps`` times with it
recording into a SQLite file (training arguments and model config as parameters, the per-step
series, the checkpoints as outputs; no environment or git capture), and returns the two medians
in seconds. The first training of each kind is a warm-up and is not timed; the timed ones
alternate, on one torch thread.

With ``accelerate`` installed it trains with ``transformers.Trainer``; without it (the Trainer
cannot run) it trains with a torch loop that fires the Trainer's events through transformers'
``CallbackHandler`` and saves checkpoints with ``save_pretrained``, as the Trainer does.
``MODE`` says which ran. Run in .venv-frameworks:

    .venv-frameworks/bin/python bench/integrations/transformers_bench.py [--reps 3]
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, run as a script

from integrations import _timing  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROWS = 512
LENGTH = 16
BATCH = 32
SAVE_EVERY = 8

#: How measure() trains: "trainer" when accelerate is installed, else "event loop".
MODE = "trainer" if importlib.util.find_spec("accelerate") else "event loop"


def _data(index: int) -> Any:
    import torch

    generator = torch.Generator().manual_seed(index)
    ids = torch.randint(1, 50, (ROWS, LENGTH), generator=generator)
    labels = torch.randint(0, 2, (ROWS,), generator=generator)

    class Tokens(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return ROWS

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {
                "input_ids": ids[i],
                "attention_mask": torch.ones_like(ids[i]),
                "labels": labels[i],
            }

    return Tokens()


def _model(index: int) -> Any:
    import torch
    import transformers

    torch.manual_seed(index)
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=LENGTH,
    )
    return transformers.BertForSequenceClassification(config)


def _callbacks(folder: Path, record: bool) -> list[Any]:
    import lineage

    if not record:
        return []
    capture = {"environment": False, "git": False}
    return [lineage.transformers.LineageCallback(store=str(folder / "lineage.db"), capture=capture)]


def _with_trainer(out: Path, callbacks: list[Any], index: int) -> float:
    import transformers

    args = transformers.TrainingArguments(
        output_dir=str(out),
        num_train_epochs=1,
        per_device_train_batch_size=BATCH,
        logging_steps=1,
        save_strategy="steps",
        save_steps=SAVE_EVERY,
        use_cpu=True,
        report_to=[],
        disable_tqdm=True,
        seed=index,
    )
    trainer = transformers.Trainer(
        model=_model(index), args=args, train_dataset=_data(index), callbacks=callbacks
    )
    trainer.remove_callback(transformers.PrinterCallback)  # no printed logs (both kinds)
    start = time.perf_counter()
    trainer.train()
    return time.perf_counter() - start


def _with_events(out: Path, callbacks: list[Any], index: int) -> float:
    import torch
    import transformers

    class Args(transformers.TrainingArguments):  # type: ignore[misc]
        def __post_init__(self) -> None:  # the device setup needs accelerate
            pass

    args = Args(output_dir=str(out), learning_rate=5e-5, report_to=[], seed=index)
    model = _model(index)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    handler = transformers.trainer_callback.CallbackHandler(callbacks, model, None, optimizer, None)
    state = transformers.TrainerState(max_steps=ROWS // BATCH)
    control = transformers.TrainerControl()
    loader = torch.utils.data.DataLoader(_data(index), batch_size=BATCH)
    start = time.perf_counter()
    handler.on_train_begin(args, state, control)
    for batch in loader:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        state.global_step += 1
        logs = {"loss": loss.item(), "learning_rate": args.learning_rate, "epoch": 1.0}
        handler.on_log(args, state, control, logs)
        if state.global_step % SAVE_EVERY == 0:
            model.save_pretrained(out / f"checkpoint-{state.global_step}")
            handler.on_save(args, state, control)
    handler.on_train_end(args, state, control)
    return time.perf_counter() - start


def _train(folder: Path, record: bool, index: int) -> float:
    out = folder / f"out-{int(record)}-{index}"
    callbacks = _callbacks(folder, record)
    if MODE == "trainer":
        return _with_trainer(out, callbacks, index)
    return _with_events(out, callbacks, index)


def measure(reps: int) -> tuple[float, float]:
    """(median seconds of a tiny training without lineage, median with the callback)."""
    import torch

    torch.set_num_threads(1)  # steadier timings on a shared machine
    warnings.filterwarnings("ignore")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return _timing.interleaved(lambda record, i: _train(folder, record, i), reps)


def main() -> None:
    _timing.main(measure, __doc__ or "", "training", reps=3)


if __name__ == "__main__":
    main()
