"""Reading runs back: get/list with filters, resolving references, tags and notes on any node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage import conventions as cv
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import Execution, ExecutionType
from lineage.track import get_run, list_runs, note, parse_time, resolve_run, tag
from lineage.track.records import now_ms
from tests.store.helpers import record_pipeline
from tests.track.helpers import props

OFF = {"environment": False, "git": False}


def _record(store: Any, write: Callable[..., Path]) -> list[lineage.track.Run]:
    runs = []
    for i, (experiment, tags) in enumerate([("churn", ["a"]), ("churn", ["b"]), ("other", [])]):
        with lineage.run(
            "train", params={"i": i}, experiment=experiment, tags=tags, store=store, capture=OFF
        ) as run:
            run.log_metric("auc", 0.5 + i / 10)
        runs.append(run)
    with pytest.raises(RuntimeError), lineage.run("train", store=store, capture=OFF) as failed:
        raise RuntimeError("oops")
    runs.append(failed)
    return runs


def test_get_run_reads_everything_back(store: Any, write: Callable[..., Path]) -> None:
    data = write("d.csv", "abc")
    config = write("c.yaml", "x: 1\n")
    with lineage.run(
        "train", params=[config], inputs={"train": data}, store=store, experiment="e", note="n"
    ) as run:
        run.log_metric("loss", 1.0, step=1)
        run.log_metric("loss", 0.5, step=2)
        run.output(write("m.pkl", b"m"), type="Model", name="model")
    info = get_run(store, run.id)
    assert (info.id, info.name, info.type, info.state) == (run.id, run.name, "train", "COMPLETE")
    assert info.ref == f"execution:{run.id}"
    assert info.label == f"execution:{run.id} ({run.name})"
    assert info.duration is not None
    assert info.duration >= 0
    assert info.params == {"x": 1}
    assert info.metrics == {"loss": 0.5}
    assert info.experiments == ("e",)
    assert [n.text for n in info.notes] == ["n"]
    assert [(a.path, a.type, a.uri, a.size_bytes) for a in info.inputs] == [
        ("train", "Dataset", str(data), 3)
    ]
    assert [(a.path, a.type) for a in info.outputs] == [("model", "Model")]
    assert [(a.path, a.type, a.uri) for a in info.configs] == [("config[0]", "Config", str(config))]
    assert info.environment is not None
    assert info.environment.packages["protobuf"]
    assert info.series["loss"].steps == (1, 2)
    data_dict = info.to_dict()
    assert data_dict["series"] == {"loss": {"steps": [1, 2], "values": [1.0, 0.5]}}
    assert data_dict["inputs"][0]["fingerprint"] == info.inputs[0].fingerprint
    brief = info.to_dict(details=False)
    assert brief["series"] == {"loss": 2}
    assert brief["environment"]["packages"] == len(info.environment.packages)
    assert run.info() == info


def test_runs_are_named_in_many_ways(store: Any) -> None:
    with lineage.run("train", run_name="r-1", store=store, capture=False) as run:
        pass
    execution = store.get_executions_by_id([run.id])[0]
    for ref in (run.id, str(run.id), f"execution:{run.id}", "r-1", "train:r-1", execution, run):
        assert resolve_run(store, ref).id == run.id
    with pytest.raises(NotFoundError):
        resolve_run(store, 999)
    with pytest.raises(InvalidArgumentError):
        resolve_run(store, True)
    with pytest.raises(InvalidArgumentError):
        resolve_run(store, 1.5)


def test_an_artifact_is_not_a_run(store: Any, write: Callable[..., Path]) -> None:
    with lineage.run("train", inputs=[write("a.csv")], store=store, capture=OFF) as run:
        pass
    with pytest.raises(InvalidArgumentError, match="not a run"):
        resolve_run(store, f"artifact:{run.inputs[0].id}")


def test_executions_of_other_tools_read_as_runs(store: Any) -> None:
    ids = record_pipeline(store)  # a TFX-like pipeline written with the plain MLMD API
    info = get_run(store, ids.train)
    assert (info.type, info.state, info.start_time) == ("Trainer", "COMPLETE", None)
    assert info.params == {"epochs": 3}
    assert [a.uri for a in info.inputs] == ["/data/train.csv"]
    assert list_runs(store) == []  # listing shows only runs lineage.track recorded


def test_list_runs_filters_in_one_query(store: Any, write: Callable[..., Path]) -> None:
    runs = _record(store, write)
    ids = [r.id for r in runs]
    assert [i.id for i in list_runs(store)] == ids[::-1]
    assert [i.id for i in list_runs(store, experiment="churn")] == [ids[1], ids[0]]
    assert [i.id for i in list_runs(store, tag="b")] == [ids[1]]
    assert [i.id for i in list_runs(store, state="failed")] == [ids[3]]
    assert [i.id for i in list_runs(store, state="COMPLETE", limit=2)] == [ids[2], ids[1]]
    assert [i.id for i in list_runs(store, type="train", experiment="other")] == [ids[2]]
    assert list_runs(store, experiment="nope") == []
    assert len(list_runs(store, since="1h")) == 4
    assert list_runs(store, since=now_ms() + 60_000) == []
    assert list_runs(store, until="2000-01-01") == []
    failed = list_runs(store, state="FAILED")[0]
    assert (failed.error_type, failed.error_message) == ("RuntimeError", "oops")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state": "DONE"}, "unknown run state"),
        ({"since": "yesterday"}, "cannot read 'yesterday' as a time"),
        ({"tag": "a`b"}, "backquotes"),
        ({"limit": -1}, "non-negative"),
    ],
)
def test_bad_filters_are_refused(store: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        list_runs(store, **kwargs)


def test_parse_time() -> None:
    assert parse_time("2026-11-01") == parse_time("2026-11-01T00:00:00Z")
    assert parse_time("2026-11-01T02:00+02:00") == parse_time("2026-11-01")
    assert parse_time(dt.datetime(2026, 11, 1)) == 1793491200000
    assert parse_time(5) == 5
    assert abs(parse_time("2d") - (now_ms() - 2 * 86_400_000)) < 5_000
    for unit, seconds in (("30m", 1800), ("1.5h", 5400), ("1w", 604800), ("10s", 10)):
        assert abs(parse_time(unit) - (now_ms() - seconds * 1000)) < 5_000
    with pytest.raises(InvalidArgumentError):
        parse_time(None)


def test_tags_and_notes_on_every_kind_of_node(store: Any, write: Callable[..., Path]) -> None:
    with lineage.run(
        "train", inputs=[write("a.csv")], experiment="e", store=store, capture=OFF
    ) as r:
        pass
    artifact_ref = f"artifact:{r.inputs[0].id}"
    tag(store, artifact_ref, "gold", "checked")
    tag(store, artifact_ref, "checked", remove=True)
    tag(store, r.id, "best")
    tag(store, "Experiment:e", "q4")
    note(store, r.name, "looks good", user="ana")
    note(store, str(r.id), "second")
    [experiment] = store.get_contexts_by_type("Experiment")
    note(store, f"context:{experiment.id}", "experiment note")
    [artifact] = store.get_artifacts_by_id([r.inputs[0].id])
    assert {k for k in props(artifact) if k.startswith("tag.")} == {"tag.gold"}
    values = props(store.get_executions_by_id([r.id])[0])
    assert values["tag.best"] is True
    assert [(n["text"], n["user"]) for n in values[cv.NOTES]["notes"]][0] == ("looks good", "ana")
    assert [n["text"] for n in values[cv.NOTES]["notes"]] == ["looks good", "second"]
    [context] = store.get_contexts_by_type("Experiment")
    assert props(context)["tag.q4"] is True
    assert context.name == "e"
    assert props(context)[cv.NOTES]["notes"][0]["text"] == "experiment note"
    with pytest.raises(InvalidArgumentError, match="at least one tag"):
        tag(store, r.id)
    with pytest.raises(InvalidArgumentError, match="non-empty"):
        note(store, r.id, " ")
    with pytest.raises(NotFoundError):
        tag(store, "artifact:999", "x")


def test_a_tag_added_while_a_run_lasts_survives_its_end(store: Any) -> None:
    with lineage.run("train", store=store, capture=False) as run:
        tag(store, run.id, "from-the-cli")
        note(store, run.id, "watching")
        run.note("mine")
    values = props(store.get_executions_by_id([run.id])[0])
    assert values["tag.from-the-cli"] is True
    assert [n["text"] for n in values[cv.NOTES]["notes"]] == ["watching", "mine"]
    assert values.get(cv.RUN_END_TIME)
    assert store.get_executions_by_id([run.id])[0].last_known_state == Execution.COMPLETE


def test_execution_types_get_base_types_from_kind_or_name(store: Any) -> None:
    for name, kind, base in [
        ("preprocess", None, ExecutionType.TRANSFORM),
        ("fit_model", None, ExecutionType.TRAIN),
        ("eval", None, ExecutionType.EVALUATE),
        ("push", None, ExecutionType.DEPLOY),
        ("download", None, ExecutionType.PROCESS),
        ("step", "Train", ExecutionType.TRAIN),
    ]:
        with lineage.run(name, kind=kind, store=store, capture=False):
            pass
        assert store.get_execution_type(name).base_type == base, name
