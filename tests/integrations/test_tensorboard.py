"""lineage import/export tensorboard: real event files, written and read by TensorBoard's code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.integrations import tensorboard as tb
from tests.integrations.conftest import OFF, framework, invoke, run_json

framework("tensorboard")
writer_module = framework("torch.utils.tensorboard")


def _ended_run(db: str, name: str = "train", **kwargs: Any) -> lineage.track.Run:
    with lineage.run(name, store=db, capture=OFF, **kwargs) as run:
        pass
    return run


def _write_logdir(folder: Path) -> Path:
    """Event files as a PyTorch script writes them: legacy and TF2 scalars, an image, HParams."""
    np = framework("numpy")
    writer = writer_module.SummaryWriter(str(folder))
    for step in range(4):
        writer.add_scalar("loss", 1.0 / (step + 1), step)  # legacy simple_value
        writer.add_scalar("accuracy", 0.5 + step / 10, step, new_style=True)  # TF2 tensor
    writer.add_image("sample", np.zeros((3, 2, 2), dtype="float32"), 0)
    writer.add_hparams({"lr": 0.25, "optimizer": "adam", "layers": 3}, {"hparam/best": 0.8})
    writer.close()
    return folder


def test_import_records_series_and_hparams_in_an_ended_run(db: str, tmp_path: Path) -> None:
    logdir = _write_logdir(tmp_path / "logs")
    run = _ended_run(db, params={"seed": 1})
    result = invoke("--db", db, "import", "tensorboard", str(logdir), "--run", run.name)
    assert result.exit_code == 0, result.output
    assert re.search(r"^event files\s+2$", result.output, re.M)
    assert "loss (4 steps)" in result.output
    assert "skipped tags  sample" in result.output

    shown = invoke("--db", db, "runs", "show", run.name).output
    assert re.search(r"│ loss\s+│ 0\.25\s+│ 4 steps\s+│", shown)
    assert re.search(r"│ accuracy\s+│ 0\.8\s+│ 4 steps\s+│", shown)  # float32 noise not shown
    assert re.search(r"│ optimizer\s+│ adam\s+│", shown)
    assert re.search(r"│ seed\s+│ 1\s+│", shown)  # the run's own parameters stay
    data = run_json(db, run.name)
    assert data["series"]["loss"] == {
        "steps": [0, 1, 2, 3],
        "values": pytest.approx([1.0, 0.5, 1 / 3, 0.25]),
    }
    assert data["series"]["accuracy"]["values"][-1] == 0.800000011920929  # stored as float32 read
    assert data["params"] == {"layers": 3, "lr": 0.25, "optimizer": "adam", "seed": 1}
    assert data["metrics"]["hparam/best"] == pytest.approx(0.8)
    assert data["state"] == "COMPLETE"


def test_import_merges_with_the_series_a_run_logged(db: str, tmp_path: Path) -> None:
    logdir = _write_logdir(tmp_path / "logs")
    with lineage.run("train", store=db, capture=OFF) as run:
        run.log_metric("loss", 2.0, step=0)
        run.log_metric("loss", 1.5, step=10)
    assert (
        invoke("--db", db, "import", "tensorboard", str(logdir), "--run", run.name).exit_code == 0
    )
    series = run_json(db, run.name)["series"]["loss"]
    assert series["steps"] == [0, 1, 2, 3, 10]  # step 0 from the events replaces the run's
    assert series["values"][0] == 1.0
    assert series["values"][-1] == 1.5
    assert run_json(db, run.name)["metrics"]["loss"] == 1.5  # the value at the highest step


def test_import_into_a_running_run_logs_into_it(db: str, tmp_path: Path) -> None:
    logdir = _write_logdir(tmp_path / "logs")
    with lineage.run("train", store=db, capture=OFF) as run:
        summary = tb.import_events(run.store, logdir, run)
        assert summary.series["loss"] == 4
        # From another process the running run is refused: its own end would undo the import.
        refused = invoke("--db", db, "import", "tensorboard", str(logdir), "--run", run.name)
        assert refused.exit_code == 1
        assert "still running" in refused.output
    data = run_json(db, run.name)
    assert data["series"]["accuracy"]["steps"] == [0, 1, 2, 3]
    assert data["params"]["lr"] == 0.25


def test_import_errors_are_cli_errors(db: str, tmp_path: Path) -> None:
    run = _ended_run(db)
    (tmp_path / "empty").mkdir()
    result = invoke("--db", db, "import", "tensorboard", str(tmp_path / "empty"), "--run", run.name)
    assert result.exit_code == 1
    assert "no TensorBoard event files" in result.output
    logdir = _write_logdir(tmp_path / "logs")
    result = invoke("--db", db, "import", "tensorboard", str(logdir), "--run", "nosuchrun")
    assert result.exit_code == 1
    assert "error:" in result.output


def _export(db: str, runs: list[str], logdir: Path) -> list[str]:
    result = invoke("--db", db, "export", "tensorboard", *runs, "-o", str(logdir))
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_export_writes_scalars_and_hparams_tensorboard_reads(db: str, tmp_path: Path) -> None:
    accumulator = framework("tensorboard.backend.event_processing.plugin_event_accumulator")
    hp = framework("tensorboard.plugins.hparams.plugin_data_pb2")
    from tensorboard.util import tensor_util

    with lineage.run(
        "train", params={"lr": 0.1, "opt": {"name": "sgd"}}, store=db, capture=OFF
    ) as a:
        for step, loss in enumerate([0.9, 0.4, 0.2]):
            a.log_metric("loss", loss, step=step * 5)
        a.log_metric("auc", 0.91)
    with lineage.run("train", params={"lr": 0.2}, store=db, capture=OFF) as b:
        b.log_metric("loss", 0.7, step=0)
    logdir = tmp_path / "tb"
    lines = _export(db, [a.name, b.name], logdir)
    assert lines[-1] == f"view with: tensorboard --logdir {logdir}"
    assert len(lines) == 4  # the experiment summary, one file per run

    acc = accumulator.EventAccumulator(str(logdir / a.name))
    acc.Reload()
    loss = acc.Tensors("loss")
    assert [e.step for e in loss] == [0, 5, 10]
    assert [tensor_util.make_ndarray(e.tensor_proto).item() for e in loss] == [0.9, 0.4, 0.2]
    assert acc.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    assert [tensor_util.make_ndarray(e.tensor_proto).item() for e in acc.Tensors("auc")] == [0.91]
    content = acc.PluginTagToContent("hparams")
    start = hp.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert dict(
        (k, v.number_value or v.string_value) for k, v in start.session_start_info.hparams.items()
    ) == {
        "lr": 0.1,
        "opt.name": "sgd",
    }
    end = hp.HParamsPluginData.FromString(content["_hparams_/session_end_info"])
    assert end.session_end_info.status == 1  # STATUS_SUCCESS

    root = accumulator.EventAccumulator(str(logdir))
    root.Reload()
    experiment = hp.HParamsPluginData.FromString(
        root.PluginTagToContent("hparams")["_hparams_/experiment"]
    ).experiment
    assert sorted(h.name for h in experiment.hparam_infos) == ["lr", "opt.name"]
    assert sorted(m.name.tag for m in experiment.metric_infos) == ["auc", "loss"]

    again = invoke("--db", db, "export", "tensorboard", a.name, "-o", str(logdir))
    assert again.exit_code == 1
    assert "already holds TensorBoard event files" in again.output


def test_round_trip_gives_the_same_series_and_params(db: str, tmp_path: Path) -> None:
    with lineage.run("train", params={"lr": 0.1, "epochs": 3}, store=db, capture=OFF) as a:
        for step in range(50):
            a.log_metrics({"loss": 1 / (step + 1), "val/loss": 2 / (step + 3)}, step=step)
    _export(db, [a.name], tmp_path / "tb")
    copy = _ended_run(db, "copy")
    assert (
        invoke(
            "--db", db, "import", "tensorboard", str(tmp_path / "tb"), "--run", copy.name
        ).exit_code
        == 0
    )
    original, imported = run_json(db, a.name), run_json(db, copy.name)
    assert imported["series"] == original["series"]  # exact: exported as float64
    assert imported["metrics"] == original["metrics"]
    assert imported["params"] == original["params"]
