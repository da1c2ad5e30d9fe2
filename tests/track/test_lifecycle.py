"""Recording runs on every backend: what is written, reuse, versions, failures, atomicity."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage import conventions as cv
from lineage.cli._output import format_value
from lineage.errors import (
    ConfigurationError,
    ConnectionFailedError,
    FailedPreconditionError,
    InvalidArgumentError,
)
from lineage.proto import ArtifactType, Event, Execution, ExecutionType
from lineage.track import Capture, capture_environment, current_run, fingerprint
from lineage.track.metrics import Series
from lineage.track.records import read_series
from lineage.track.runs import plain
from tests.conftest import FILE_BACKENDS
from tests.store.helpers import snapshot
from tests.track.helpers import props, record_runs

NO_ENV = {"environment": False}


def _events(store: Any, execution_id: int) -> list[tuple[str, str, int]]:
    out = []
    for e in store.get_events_by_execution_ids([execution_id]):
        path = ".".join(str(s.index) if s.HasField("index") else s.key for s in e.path.steps)
        out.append((Event.Type.Name(e.type), path, e.artifact_id))
    return sorted(out)


def test_a_run_records_everything_in_mlmd_entities(
    store: Any, write: Callable[..., Path], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [str(repo / "train.py"), "--lr", "0.1"])
    monkeypatch.setattr(sys, "orig_argv", ["python", str(repo / "train.py"), "--lr", "0.1"])
    data = write("data/train.csv", "a,b\n1,2\n")
    config = write("cfg.yaml", "optimizer:\n  lr: 0.1\n")
    with lineage.run(
        "train",
        params=[config, {"epochs": 3}],
        inputs=[data],
        experiment="churn",
        store=store,
        tags=["baseline"],
        note="first try",
    ) as run:
        assert current_run() is run
        model = write("model.pkl", b"weights")
        run.log_metric("auc", 0.91)
        run.output(model, type="Model")
    assert current_run() is None
    assert run.state == "COMPLETE"

    [execution] = store.get_executions_by_id([run.id])
    assert execution.name == run.name
    assert execution.last_known_state == Execution.COMPLETE
    values = props(execution)
    assert values["param.optimizer.lr"] == 0.1
    assert values["param.epochs"] == 3
    assert values[cv.PARAMS] == {"optimizer": {"lr": 0.1}, "epochs": 3}
    assert values["metric.auc"] == 0.91
    assert values["tag.baseline"] is True
    assert [n["text"] for n in values[cv.NOTES]["notes"]] == ["first try"]
    assert values[cv.CODE_ENTRY_POINT] == "train.py"
    assert values[cv.CODE_BRANCH] == "main"
    assert values[cv.CODE_DIRTY] is False
    assert len(values[cv.CODE_REVISION]) == 40
    assert values[cv.CODE_REPOSITORY] == str(repo)
    assert values[cv.CODE_ENTRY_POINT_SHA256].startswith("sha256:")
    assert values[cv.CODE_COMMAND] == f"python {repo / 'train.py'} --lr 0.1"
    assert values[cv.RUN_END_TIME] >= values[cv.RUN_START_TIME] > 0
    assert values[cv.RUN_USER]
    assert values[cv.RUN_HOST]
    [train_type] = store.get_execution_types_by_id([execution.type_id])
    assert (train_type.name, train_type.base_type) == ("train", ExecutionType.TRAIN)

    events = _events(store, run.id)
    assert [(kind, path) for kind, path, _ in events] == [
        ("INPUT", "config.0"),
        ("INPUT", "environment"),
        ("INPUT", "inputs.0"),
        ("OUTPUT", "metrics"),
        ("OUTPUT", "outputs.0"),
    ]
    by_path = {path: artifact_id for _, path, artifact_id in events}
    artifacts, types = store.get_artifacts_and_types_by_artifact_ids(list(by_path.values()))
    by_id = {a.id: a for a in artifacts}
    type_of = {t.id: t for t in types}
    dataset = by_id[by_path["inputs.0"]]
    fp = fingerprint(data)
    assert (dataset.uri, dataset.external_id, dataset.name) == (
        str(data),
        fp.digest,
        f"train.csv@{fp.digest[7:19]}",  # type: ignore[index]
    )
    assert props(dataset) == {
        cv.FINGERPRINT: fp.digest,
        cv.SIZE_BYTES: 8,
        cv.FILE_COUNT: 1,
        cv.VERSION: 1,
    }
    assert (type_of[dataset.type_id].name, type_of[dataset.type_id].base_type) == (
        "Dataset",
        ArtifactType.DATASET,
    )
    output = by_id[by_path["outputs.0"]]
    assert (type_of[output.type_id].name, type_of[output.type_id].base_type) == (
        "Model",
        ArtifactType.MODEL,
    )
    metrics = by_id[by_path["metrics"]]
    assert type_of[metrics.type_id].base_type == ArtifactType.METRICS
    assert props(metrics) == {"auc": 0.91}
    cfg = by_id[by_path["config.0"]]
    assert type_of[cfg.type_id].name == cv.CONFIG_TYPE
    assert props(cfg)[cv.CONFIG_VALUES] == {"optimizer": {"lr": 0.1}}
    env = by_id[by_path["environment"]]
    assert env.external_id == capture_environment().external_id
    assert props(env)[cv.ENV_PACKAGES]["protobuf"]

    [experiment] = store.get_contexts_by_execution(run.id)
    assert (experiment.type, experiment.name) == (cv.EXPERIMENT_TYPE, "churn")
    assert {a.id for a in store.get_artifacts_by_context(experiment.id)} == set(by_path.values())
    assert [(a.direction, a.type, a.path) for a in (*run.inputs, *run.outputs)] == [
        ("input", "Dataset", "inputs[0]"),
        ("output", "Model", "outputs[0]"),
    ]


def test_the_run_is_running_while_its_body_runs(store: Any) -> None:
    with lineage.run("step", store=store, capture=NO_ENV) as run:
        [execution] = store.get_executions_by_id([run.id])
        assert execution.last_known_state == Execution.RUNNING
        assert cv.RUN_END_TIME not in execution.custom_properties
        assert run.state == "RUNNING"
    assert store.get_executions_by_id([run.id])[0].last_known_state == Execution.COMPLETE


def test_a_failing_body_is_recorded_failed_and_the_exception_propagates(
    store: Any, write: Callable[..., Path]
) -> None:
    with pytest.raises(ZeroDivisionError), lineage.run("train", store=store, capture=NO_ENV) as run:  # noqa: PT012
        run.log_metric("loss", 0.5)
        run.output(write("partial.bin", b"p"))
        raise ZeroDivisionError("division by zero in epoch 3")
    [execution] = store.get_executions_by_id([run.id])
    assert execution.last_known_state == Execution.FAILED
    values = props(execution)
    assert values[cv.RUN_ERROR_TYPE] == "ZeroDivisionError"
    assert values[cv.RUN_ERROR_MESSAGE] == "division by zero in epoch 3"
    assert values["metric.loss"] == 0.5  # what was logged before the failure is kept
    assert [path for kind, path, _ in _events(store, run.id)] == ["metrics", "outputs.0"]
    assert run.state == "FAILED"


def test_an_interrupted_body_is_recorded_canceled(store: Any) -> None:
    with pytest.raises(KeyboardInterrupt), lineage.run("train", store=store, capture=False) as run:
        raise KeyboardInterrupt
    assert store.get_executions_by_id([run.id])[0].last_known_state == Execution.CANCELED
    with pytest.raises(SystemExit), lineage.run("train", store=store, capture=False) as done:
        sys.exit(0)
    assert done.state == "COMPLETE"


def test_the_same_content_is_the_same_artifact_and_changes_are_new_versions(
    store: Any, write: Callable[..., Path]
) -> None:
    data = write("train.csv", "v1")
    copy = write("elsewhere/copy.csv", "v1")
    with lineage.run("prepare", inputs=[data, copy], store=store, capture=NO_ENV) as first:
        pass
    assert [a.reused for a in first.inputs] == [False, False]
    assert first.inputs[0].id == first.inputs[1].id  # same content: one artifact, one event
    assert len(_events(store, first.id)) == 1
    with lineage.run("prepare", inputs=[data], store=store, capture=NO_ENV) as again:
        pass
    assert again.inputs[0].id == first.inputs[0].id
    assert again.inputs[0].reused
    data.write_text("v2")
    with lineage.run("prepare", inputs=[data], store=store, capture=NO_ENV) as changed:
        pass
    new = changed.inputs[0]
    assert new.id != first.inputs[0].id
    assert not new.reused
    assert new.version == 2
    versions = sorted(props(a)[cv.VERSION] for a in store.get_artifacts_by_uri(str(data)))
    assert versions == [1, 2]


def test_an_output_of_one_run_is_the_input_of_the_next(
    store: Any, write: Callable[..., Path]
) -> None:
    with lineage.run("train", store=store, capture=NO_ENV) as train:
        model = write("model.pkl", b"m")
        train.output(model, type="Model", name="model")
    with lineage.run("evaluate", inputs={"model": model}, store=store, capture=NO_ENV) as ev:
        pass
    assert ev.inputs[0].id == train.outputs[0].id
    assert ev.inputs[0].type == "Model"
    assert ev.inputs[0].path == "model"
    [evaluate_type] = store.get_execution_types_by_id(
        [store.get_executions_by_id([ev.id])[0].type_id]
    )
    assert evaluate_type.base_type == ExecutionType.EVALUATE


def test_directories_are_one_artifact_with_a_tree_hash(
    store: Any, write: Callable[..., Path], tmp_path: Path
) -> None:
    write("images/a.png", b"a")
    write("images/sub/b.png", b"bb")
    with lineage.run("train", inputs=[tmp_path / "images"], store=store, capture=NO_ENV) as run:
        pass
    [artifact] = store.get_artifacts_by_id([run.inputs[0].id])
    assert props(artifact)[cv.FILE_COUNT] == 2
    assert props(artifact)[cv.SIZE_BYTES] == 3
    assert artifact.external_id == fingerprint(tmp_path / "images").digest


def test_uris_are_recorded_unhashed_and_reused_by_uri(store: Any) -> None:
    uri = "s3://bucket/raw/2026-11.parquet"
    with lineage.run("ingest", inputs=[uri], store=store, capture=NO_ENV) as first:
        pass
    with lineage.run("ingest", inputs=[uri], store=store, capture=NO_ENV) as second:
        pass
    [artifact] = store.get_artifacts_by_uri(uri)
    assert first.inputs[0].id == second.inputs[0].id == artifact.id
    assert cv.FINGERPRINT not in artifact.custom_properties
    assert not artifact.external_id
    assert "not hashed" in props(artifact)[cv.FINGERPRINT_SKIPPED]


def test_one_environment_artifact_serves_every_run_with_that_environment(store: Any) -> None:
    ids = []
    for _ in range(3):
        with lineage.run("step", store=store) as run:
            pass
        [env_event] = [
            e
            for e in store.get_events_by_execution_ids([run.id])
            if e.path.steps[0].key == "environment"
        ]
        ids.append(env_event.artifact_id)
    assert len(set(ids)) == 1
    [env] = store.get_artifacts_by_type(cv.ENVIRONMENT_TYPE)
    assert env.external_id == capture_environment().external_id


def test_metrics_and_series_are_kept(store: Any) -> None:
    with lineage.run("train", store=store, capture=NO_ENV) as run:
        for epoch, loss in enumerate([0.9, 0.6, 0.4]):
            run.log_metrics({"loss": loss, "acc": 1 - loss}, step=epoch)
        run.log_metric("auc", 0.8)
    [metrics] = store.get_artifacts_by_type(cv.METRICS_TYPE)
    values = props(metrics)
    assert values["loss"] == 0.4
    assert values["auc"] == 0.8
    packed = read_series(metrics.custom_properties["series.loss"])  # packed bytes (D40)
    assert packed == Series((0, 1, 2), (0.9, 0.6, 0.4))
    assert plain(metrics.custom_properties["series.loss"]) == {
        "steps": [0, 1, 2],
        "values": [0.9, 0.6, 0.4],
    }
    shown = format_value(metrics.custom_properties["series.loss"])  # as `lineage show` prints it
    assert shown == "series of 3 points, steps 0…2, last 0.4"
    assert "series.auc" not in values
    assert metrics.name == f"{run.name}-metrics"
    assert props(store.get_executions_by_id([run.id])[0])["metric.loss"] == 0.4


@pytest.mark.parametrize(
    ("switch", "absent"),
    [
        ("git", [cv.CODE_REVISION, cv.CODE_BRANCH, cv.CODE_DIRTY, cv.CODE_REPOSITORY]),
        ("entry_point", [cv.CODE_ENTRY_POINT, cv.CODE_ENTRY_POINT_SHA256]),
        ("command", [cv.CODE_COMMAND]),
        ("params", ["param.lr", cv.PARAMS]),
        ("metrics", ["metric.auc"]),
        ("user", [cv.RUN_USER]),
        ("host", [cv.RUN_HOST]),
    ],
)
def test_each_capture_can_be_turned_off(
    store: Any,
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    switch: str,
    absent: list[str],
) -> None:
    monkeypatch.setattr(sys, "argv", [str(repo / "train.py")])
    for capture in (Capture(environment=False), {switch: False, "environment": False}):
        with lineage.run("train", params={"lr": 0.1}, store=store, capture=capture) as run:
            run.log_metric("auc", 0.5)
        values = props(store.get_executions_by_id([run.id])[0])
        on = capture == Capture(environment=False)
        for key in absent:
            assert (key in values) is on, (switch, key)


def test_environment_and_fingerprints_can_be_turned_off(
    store: Any, write: Callable[..., Path]
) -> None:
    data = write("a.csv", "x")
    capture = {"environment": False, "fingerprints": False}
    with lineage.run("train", inputs=[data], store=store, capture=capture) as run:
        pass
    assert [path for _, path, _ in _events(store, run.id)] == ["inputs.0"]
    [artifact] = store.get_artifacts_by_id([run.inputs[0].id])
    assert not artifact.external_id
    assert props(artifact)[cv.FINGERPRINT_SKIPPED]


def test_tags_and_notes_on_runs_and_artifacts(store: Any, write: Callable[..., Path]) -> None:
    run = lineage.run("train", store=store, capture=NO_ENV, tags="a")
    run.tag("b")
    run.note("before")
    with run:
        run.tag("c")
        run.note("during")
        run.output(write("m.pkl", b"m"), type="Model", tags=["best"], note="the keeper")
    run.tag("d")
    run.note("after")
    values = props(store.get_executions_by_id([run.id])[0])
    assert {k for k in values if k.startswith("tag.")} == {"tag.a", "tag.b", "tag.c", "tag.d"}
    assert [n["text"] for n in values[cv.NOTES]["notes"]] == ["before", "during", "after"]
    [model] = store.get_artifacts_by_id([run.outputs[0].id])
    assert props(model)["tag.best"] is True
    assert props(model)[cv.NOTES]["notes"][0]["text"] == "the keeper"


def test_tags_of_a_reused_artifact_are_added_to_it(store: Any, write: Callable[..., Path]) -> None:
    data = write("d.csv", "x")
    with lineage.run("a", inputs=[data], store=store, capture=NO_ENV):
        pass
    with lineage.run("b", store=store, capture=NO_ENV) as run:
        run.input(data, tags=["gold"])
    [artifact] = store.get_artifacts_by_uri(str(data))
    assert props(artifact)["tag.gold"] is True
    assert run.inputs[0].reused


def test_experiments_and_pipelines_are_contexts_with_parents(store: Any) -> None:
    with lineage.track.pipeline("churn", experiment="q4", store=store, run_name="churn-1") as p:
        with lineage.run("prepare", capture=False) as prepare, lineage.run("inner") as inner:
            pass
        with lineage.run("train", capture=False, experiment="extra") as train:
            pass
    assert p.state == "COMPLETE"
    names = {(c.type, c.name) for c in store.get_contexts_by_execution(prepare.id)}
    assert names == {("PipelineRun", "churn-1"), ("Pipeline", "churn"), ("Experiment", "q4")}
    assert {(c.type, c.name) for c in store.get_contexts_by_execution(train.id)} == names | {
        ("Experiment", "extra")
    }
    parents = {(c.type, c.name) for c in store.get_parent_contexts_by_context(p.id)}
    assert parents == {("Pipeline", "churn"), ("Experiment", "q4")}
    assert props(store.get_executions_by_id([inner.id])[0])[cv.RUN_PARENT] == prepare.id
    assert props(store.get_contexts_by_id([p.id])[0])[cv.RUN_STATE] == "COMPLETE"
    with (
        pytest.raises(InvalidArgumentError, match="exists already"),
        lineage.track.pipeline("churn", store=store, run_name="churn-1"),
    ):
        pass


def test_a_run_names_its_pipeline_without_a_pipeline_block(store: Any) -> None:
    with lineage.run("train", pipeline="churn", store=store, capture=False) as run:
        pass
    [context] = store.get_contexts_by_execution(run.id)
    assert (context.type, context.name) == ("Pipeline", "churn")


def test_a_failed_pipeline_run_says_so(store: Any) -> None:
    with pytest.raises(RuntimeError), lineage.track.pipeline("p", store=store) as p:
        raise RuntimeError("x")
    assert props(store.get_contexts_by_id([p.id])[0])[cv.RUN_STATE] == "FAILED"


def test_an_existing_type_keeps_its_properties(store: Any) -> None:
    store.put_artifact_type(ArtifactType(name="Model", properties={"framework": 3}))
    store.put_execution_type(ExecutionType(name="train", base_type=ExecutionType.TRAIN))
    with lineage.run("train", store=store, capture=False) as run:
        pass
    assert run.state == "COMPLETE"
    with pytest.raises(InvalidArgumentError, match="base type TRAIN; kind asks for DEPLOY"):
        lineage.run("train", kind="deploy", store=store, capture=False).start()


def test_bad_input_writes_nothing(store: Any, write: Callable[..., Path], tmp_path: Path) -> None:
    with lineage.run("warmup", store=store, capture=False):
        pass  # the schema and some rows exist: nothing may change after this
    before = snapshot(store)
    good = write("good.csv", "x")
    bad_yaml = write("bad.yaml", "a: [1\n")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"params": {"fn": print}}, "parameter 'fn' cannot be recorded"),
        ({"inputs": [good, tmp_path / "missing.csv"]}, r"input '.*missing\.csv' does not exist"),
        ({"params": bad_yaml}, r"config file '.*bad\.yaml' is not valid YAML"),
        ({"params": tmp_path / "none.toml"}, r"config file '.*none\.toml' does not exist"),
        ({"run_name": None, "kind": "training"}, "kind must be one of"),
        ({"tags": ["ok", "bad`tag"]}, "backquotes"),
        ({"capture": {"gti": False}}, "unknown capture"),
    ]
    for kwargs, message in cases:
        with (
            pytest.raises(InvalidArgumentError, match=message),
            lineage.run("train", store=store, **kwargs),
        ):
            pytest.fail("the body must not run")
    assert snapshot(store) == before


def test_a_taken_run_name_is_refused_before_writing(store: Any) -> None:
    with lineage.run("train", run_name="r1", store=store, capture=False):
        pass
    before = snapshot(store)
    with pytest.raises(InvalidArgumentError, match="'r1' of 'train' exists already"):
        lineage.run("train", run_name="r1", store=store, capture=False).start()
    assert snapshot(store) == before


def test_a_missing_declared_output_fails_the_run(
    store: Any, write: Callable[..., Path], tmp_path: Path
) -> None:
    with (
        pytest.raises(InvalidArgumentError, match="output .*never-written.pkl' does not exist"),
        lineage.run(
            "train",
            outputs={"model": tmp_path / "never-written.pkl", "log": write("log.txt")},
            store=store,
            capture=False,
        ) as run,
    ):
        pass
    [execution] = store.get_executions_by_id([run.id])
    assert execution.last_known_state == Execution.FAILED
    assert "never-written" in props(execution)[cv.RUN_ERROR_MESSAGE]


def test_declared_outputs_are_fingerprinted_when_the_run_ends(store: Any, tmp_path: Path) -> None:
    target = tmp_path / "out" / "model.pkl"
    with lineage.run("train", outputs={"model": target}, store=store, capture=NO_ENV) as run:
        target.parent.mkdir()
        target.write_bytes(b"trained")
    assert [(o.path, o.fingerprint) for o in run.outputs] == [("model", fingerprint(target).digest)]


def test_params_can_be_added_while_the_run_lasts(store: Any) -> None:
    with lineage.run("train", params={"lr": 0.1}, store=store, capture=NO_ENV) as run:
        run.log_params({"best_epoch": 7, "lr": 0.2})
        with pytest.raises(InvalidArgumentError):
            run.log_params({"bad": object()})
    values = props(store.get_executions_by_id([run.id])[0])
    assert (values["param.lr"], values["param.best_epoch"]) == (0.2, 7)


def test_a_run_cannot_start_twice_or_log_outside(store: Any) -> None:
    run = lineage.run("train", store=store, capture=False)
    with pytest.raises(FailedPreconditionError):
        run.output("x")
    with run, pytest.raises(FailedPreconditionError):
        run.start()
    with pytest.raises(FailedPreconditionError):
        run.finish()
    with pytest.raises(FailedPreconditionError, match="has ended"):
        run.log_metric("late", 1.0)


def test_the_store_comes_from_lineage_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_DB", str(tmp_path / "env.db"))
    with lineage.run("train", capture=False) as run:
        pass
    with lineage.MetadataStore(str(tmp_path / "env.db")) as store:
        assert store.get_executions_by_id([run.id])[0].name == run.name
    monkeypatch.delenv("LINEAGE_DB")
    monkeypatch.chdir(tmp_path)
    with lineage.run("train", capture=False):
        pass
    assert (tmp_path / "lineage.db").is_file()


def test_a_store_that_cannot_be_opened_is_named_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match=r"cannot open the lineage store '.*nowhere"):
        lineage.run("train", store=tmp_path / "nowhere" / "x.db", capture=False).start()
    (tmp_path / "garbage.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConnectionFailedError, match=r"lineage store '.*garbage\.db'"):
        lineage.run("train", store=tmp_path / "garbage.db", capture=False).start()
    with pytest.raises(InvalidArgumentError, match="store must be"):
        lineage.run("train", store=42, capture=False).start()


def test_a_deleted_sqlite_file_is_not_written_into(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with lineage.run("train", store=path, capture=False):
        pass
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with lineage.run("train", store=path, capture=False) as run:
        pass
    with lineage.MetadataStore(str(path)) as store:
        assert [e.id for e in store.get_executions()] == [run.id]


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ],
)
def test_databases_with_mlmds_32_bit_int_columns_work(
    kind: str, write: Callable[..., Path], tmp_path: Path
) -> None:
    """ml-metadata creates int_value as a 32-bit INT on MySQL/PostgreSQL: times must still fit."""
    import sqlalchemy as sa

    from tests.conftest import SERVER_URLS, unreachable

    base = sa.make_url(SERVER_URLS[kind])
    name = f"lineage_track32_{uuid.uuid4().hex[:8]}"
    admin_url = base.set(database="postgres") if kind == "postgresql" else base.set(database=None)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.DBAPIError as exc:
        unreachable(kind, exc)
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        lineage.MetadataStore(url).close()
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            for table in ("ArtifactProperty", "ExecutionProperty", "ContextProperty"):
                if kind == "postgresql":
                    conn.exec_driver_sql(
                        f"ALTER TABLE {table.lower()} ALTER COLUMN int_value TYPE INT"
                    )
                else:
                    conn.exec_driver_sql(f"ALTER TABLE `{table}` MODIFY int_value INT NULL")
        engine.dispose()
        with lineage.MetadataStore(url) as store:
            with (
                lineage.track.pipeline("p", store=store),
                lineage.run(
                    "train", inputs=[write("d.csv")], store=store, capture={"git": False}
                ) as run,
            ):
                run.log_metric("auc", 0.5)
            [info] = lineage.track.list_runs(store, since="1h")
            assert (info.id, info.state) == (run.id, "COMPLETE")
            assert info.start_time is not None
            assert info.start_time > 2**31
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.mark.parametrize("backend", FILE_BACKENDS, indirect=True)
def test_concurrent_processes_record_the_same_content_once(store_url: str, tmp_path: Path) -> None:
    """Processes racing to store the same new content and environment all succeed, sharing it."""
    import multiprocessing

    (tmp_path / "shared.csv").write_text("the same bytes everywhere\n")
    (tmp_path / "same-output.bin").write_bytes(b"identical output")
    # The types exist before the race (the store does not serialize creating one new type), but
    # the environment artifact, the experiment context and the content do not.
    with lineage.MetadataStore(store_url) as store:
        store.put_artifact_type(ArtifactType(name=cv.ENVIRONMENT_TYPE))
        warm_up = lineage.run(
            "train", inputs=[tmp_path], experiment="warm-up", store=store, capture=NO_ENV
        )
        with warm_up:
            pass
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        ids = pool.map(record_runs, [(store_url, str(tmp_path), w, 3) for w in range(3)])
    with lineage.MetadataStore(store_url) as store:
        runs = store.get_executions()
        recorded = sorted(i for worker in ids for i in worker)
        assert sorted(e.id for e in runs)[1:] == recorded
        assert {e.last_known_state for e in runs} == {Execution.COMPLETE}
        assert len(store.get_artifacts_by_uri(str(tmp_path / "shared.csv"))) == 1
        assert len(store.get_artifacts_by_uri(str(tmp_path / "same-output.bin"))) == 1
        assert len(store.get_artifacts_by_type(cv.ENVIRONMENT_TYPE)) == 1
        assert len(store.get_contexts_by_type(cv.EXPERIMENT_TYPE)) == 2  # warm-up, concurrent


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("train.yaml", "lr: 0.1\nlayers: [8, 4]\n"),
        ("train.toml", "lr = 0.1\nlayers = [8, 4]\n"),
        ("train.json", '{"lr": 0.1, "layers": [8, 4]}'),
    ],
)
def test_config_files_become_config_artifacts(
    store: Any, write: Callable[..., Path], name: str, text: str
) -> None:
    config = write(name, text)
    for _ in range(2):  # the same file again is the same Config artifact
        with lineage.run("train", params=config, store=store, capture=NO_ENV) as run:
            pass
    [artifact] = store.get_artifacts_by_type(cv.CONFIG_TYPE)
    assert (artifact.uri, artifact.external_id) == (str(config), fingerprint(config).digest)
    assert props(artifact)[cv.CONFIG_VALUES] == {"lr": 0.1, "layers": [8.0, 4.0]}
    assert props(artifact)[cv.SIZE_BYTES] == len(text)
    values = props(store.get_executions_by_id([run.id])[0])
    assert (values["param.lr"], values["param.layers"]) == (0.1, "[8, 4]")
    [event] = [
        e for e in store.get_events_by_execution_ids([run.id]) if e.artifact_id == artifact.id
    ]
    assert [event.path.steps[0].key, event.path.steps[1].index] == ["config", 0]
