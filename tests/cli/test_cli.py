"""The ``lineage`` command line, through click's CliRunner on a SQLite file store."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from google.protobuf import any_pb2, struct_pb2

import lineage
from lineage.cli import cli
from lineage.proto import metadata_store_pb2 as pb


@dataclass
class Pipeline:
    """The ids of the recorded pipeline and the file it lives in."""

    path: Path
    dataset: int
    model: int
    trainer: int
    run: int
    child_run: int


@pytest.fixture(autouse=True)
def _no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINEAGE_DB", raising=False)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    """A dataset read by a trainer execution that wrote a model, inside a run context."""
    path = tmp_path / "store.db"
    with lineage.MetadataStore(str(path)) as store:
        dataset_type = store.put_artifact_type(
            pb.ArtifactType(
                name="Dataset", properties={"split": pb.STRING}, base_type=pb.ArtifactType.DATASET
            )
        )
        model_type = store.put_artifact_type(
            pb.ArtifactType(name="Model", properties={"accuracy": pb.DOUBLE})
        )
        trainer_type = store.put_execution_type(
            pb.ExecutionType(name="Trainer", properties={"lr": pb.DOUBLE})
        )
        run_type = store.put_context_type(pb.ContextType(name="PipelineRun"))
        config = struct_pb2.Struct()
        config.update({"layers": [64, 32], "optimizer": "adam"})
        known = any_pb2.Any()
        known.Pack(pb.Artifact(uri="/packed"))
        unknown = any_pb2.Any(type_url="type.googleapis.com/acme.Secret", value=b"\x08\x01")
        [dataset] = store.put_artifacts(
            [
                pb.Artifact(
                    type_id=dataset_type,
                    name="train-data",
                    uri="s3://data/train",
                    state=pb.Artifact.LIVE,
                    properties={"split": pb.Value(string_value="train")},
                    custom_properties={
                        "config": pb.Value(struct_value=config),
                        "packed": pb.Value(proto_value=known),
                        "secret": pb.Value(proto_value=unknown),
                    },
                )
            ]
        )
        read = pb.Event(artifact_id=dataset, type=pb.Event.INPUT)
        read.path.steps.add().key = "examples"
        wrote = pb.Event(type=pb.Event.OUTPUT)
        wrote.path.steps.add().key = "model"
        wrote.path.steps.add().index = 0
        trainer, (_, model), (run,) = store.put_execution(
            pb.Execution(
                type_id=trainer_type,
                name="train-1",
                last_known_state=pb.Execution.COMPLETE,
                properties={"lr": pb.Value(double_value=0.01)},
            ),
            [
                (store.get_artifacts_by_id([dataset])[0], read),
                (
                    pb.Artifact(
                        type_id=model_type,
                        name="churn",
                        uri="s3://models/churn",
                        properties={"accuracy": pb.Value(double_value=0.93)},
                    ),
                    wrote,
                ),
            ],
            [pb.Context(type_id=run_type, name="run-1")],
        )
        [child_run] = store.put_contexts([pb.Context(type_id=run_type, name="run-1-eval")])
        store.put_parent_contexts([pb.ParentContext(child_id=child_run, parent_id=run)])
    return Pipeline(path, dataset, model, trainer, run, child_run)


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Invoke the CLI; never lets an exception through unseen."""
    result = CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=True)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"unhandled {result.exception!r}") from result.exception
    return result


def ok(*args: str, **kwargs: Any) -> Result:
    result = run(*args, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def failed(*args: str, **kwargs: Any) -> str:
    """Run a command that must fail with exit code 1 and return its one error line."""
    result = run(*args, **kwargs)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# ----------------------------------------------------------------------------- group
def test_help_lists_commands() -> None:
    out = ok("--help").stdout
    for command in ("db", "ls", "show"):
        assert command in out
    assert "LINEAGE_DB" in out


def test_version() -> None:
    assert ok("--version").stdout.strip() == f"lineage, version {lineage.__version__}"


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lineage", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: lineage" in done.stdout


# ----------------------------------------------------------------------------- db
def test_db_info(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "db", "info").stdout
    assert str(pipeline.path) in out
    assert "sqlite" in out
    assert "schema version  10" in out
    assert "4 (2 artifact, 1 execution, 1 context)" in out
    assert "KiB" in out


def test_db_info_json(pipeline: Pipeline) -> None:
    data = json.loads(ok("--db", str(pipeline.path), "db", "info", "--json").stdout)
    assert data["dialect"] == "sqlite"
    assert data["schema_version"] == data["library_schema_version"] == 10
    assert data["file_size"] == pipeline.path.stat().st_size
    assert data["counts"] == {
        "artifact_types": 2,
        "execution_types": 1,
        "context_types": 1,
        "artifacts": 2,
        "executions": 1,
        "contexts": 2,
        "events": 2,
    }


def test_db_optimize_adds_and_drops_the_link_indexes(pipeline: Pipeline) -> None:
    db = str(pipeline.path)
    assert "link indexes    absent" in ok("--db", db, "db", "info").stdout
    out = ok("--db", db, "db", "optimize").stdout
    assert "created: idx_attribution_artifact_id, idx_association_execution_id" in out
    assert "link indexes    present" in ok("--db", db, "db", "info").stdout
    assert "nothing to do" in ok("--db", db, "db", "optimize").stdout
    data = json.loads(ok("--db", db, "db", "optimize", "--undo", "--json").stdout)
    assert data["changed"] == ["idx_attribution_artifact_id", "idx_association_execution_id"]
    assert data["indexes"] == {
        "idx_attribution_artifact_id": False,
        "idx_association_execution_id": False,
    }
    assert json.loads(ok("--db", db, "db", "info", "--json").stdout)["link_indexes"] == {
        "idx_attribution_artifact_id": False,
        "idx_association_execution_id": False,
    }


def test_db_info_hides_password() -> None:
    line = failed("--db", "mysql://root:hunter2@127.0.0.1:1/nodb", "db", "info")
    assert "hunter2" not in line
    assert "cannot connect" in line


def test_db_upgrade_current_store(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "db", "upgrade").stdout
    assert "at schema version 10 already" in out


def test_db_downgrade_asks_first(pipeline: Pipeline) -> None:
    result = run("--db", str(pipeline.path), "db", "downgrade", "--to", "9", input="n\n")
    assert result.exit_code == 1
    assert "Downgrade" in result.stderr
    assert "schema version  10" in ok("--db", str(pipeline.path), "db", "info").stdout


def test_db_downgrade_then_upgrade(pipeline: Pipeline) -> None:
    db = str(pipeline.path)
    out = ok("--db", db, "db", "downgrade", "--to", "9", "--yes").stdout
    assert "from schema version 10 to 9" in out
    info = json.loads(ok("--db", db, "db", "info", "--json").stdout)
    assert (info["schema_version"], info["counts"]) == (9, None)
    assert "lineage db upgrade" in ok("--db", db, "db", "info").stdout
    assert "lineage db upgrade" in failed("--db", db, "ls", "artifacts")
    assert "from schema version 9 to 10" in ok("--db", db, "db", "upgrade").stdout
    assert "churn" in ok("--db", db, "ls", "artifacts").stdout


def test_db_downgrade_nothing_to_do(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "db", "downgrade", "--to", "10").stdout
    assert "nothing to downgrade" in out


def test_db_downgrade_needs_to() -> None:
    result = run("db", "downgrade")
    assert result.exit_code == 2
    assert "--to" in result.stderr


# ----------------------------------------------------------------------------- ls
def test_ls_artifacts(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "ls", "artifacts").stdout
    for text in ("train-data", "churn", "s3://models/churn", "Dataset", "LIVE", "split=train"):
        assert text in out
    assert "accuracy=0.93" in out


def test_ls_executions_and_contexts(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "ls", "executions").stdout
    for text in ("train-1", "COMPLETE", "lr=0.01"):
        assert text in out
    out = ok("--db", str(pipeline.path), "ls", "contexts").stdout
    for text in ("run-1", "run-1-eval", "PipelineRun"):
        assert text in out


def test_ls_types(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "ls", "types").stdout
    for text in ("artifact", "execution", "context", "Dataset", "DATASET", "split:STRING"):
        assert text in out
    assert "mlmd." not in out
    data = json.loads(ok("--db", str(pipeline.path), "ls", "types", "--json").stdout)
    assert [(t["kind"], t["name"]) for t in data] == [
        ("artifact_type", "Dataset"),
        ("artifact_type", "Model"),
        ("execution_type", "Trainer"),
        ("context_type", "PipelineRun"),
    ]


def test_ls_json(pipeline: Pipeline) -> None:
    result = ok("--db", str(pipeline.path), "ls", "artifacts", "--json")
    data = json.loads(result.stdout)
    assert [int(a["id"]) for a in data] == [pipeline.dataset, pipeline.model]
    assert data[1]["uri"] == "s3://models/churn"
    assert data[0]["custom_properties"]["config"]["struct_value"]["optimizer"] == "adam"
    secret = data[0]["custom_properties"]["secret"]["proto_value"]
    assert secret["type_url"].endswith("acme.Secret")
    assert result.stderr == ""


def test_ls_filter_and_limit(pipeline: Pipeline) -> None:
    db = str(pipeline.path)
    out = ok("--db", db, "ls", "artifacts", "--filter", "type = 'Model'").stdout
    assert "churn" in out
    assert "train-data" not in out
    result = ok("--db", db, "ls", "artifacts", "--limit", "1", "--json")
    assert [int(a["id"]) for a in json.loads(result.stdout)] == [pipeline.dataset]
    assert "showing the first 1 artifacts" in result.stderr
    assert ok("--db", db, "ls", "artifacts", "--limit", "0").stderr == ""


def test_ls_empty_result(pipeline: Pipeline) -> None:
    result = ok("--db", str(pipeline.path), "ls", "artifacts", "--filter", "name = 'none'")
    assert result.stdout == ""
    assert "no artifacts" in result.stderr
    assert (
        json.loads(
            ok(
                "--db", str(pipeline.path), "ls", "executions", "--filter", "id = 0", "--json"
            ).stdout
        )
        == []
    )


def test_ls_malformed_filter(pipeline: Pipeline) -> None:
    line = failed("--db", str(pipeline.path), "ls", "artifacts", "--filter", "name = = 'x'")
    assert "filter_query" in line


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["ls", "artifacts", "--limit", "-1"], id="negative-limit"),
        pytest.param(["ls", "things"], id="unknown-kind"),
        pytest.param(["ls", "types", "--filter", "x"], id="filter-on-types"),
        pytest.param(["show"], id="missing-node"),
    ],
)
def test_usage_errors_exit_2(pipeline: Pipeline, args: list[str]) -> None:
    result = run("--db", str(pipeline.path), *args)
    assert result.exit_code == 2, result.output


# ----------------------------------------------------------------------------- show
def test_show_artifact(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "show", "Model:churn").stdout
    assert f"artifact:{pipeline.model} (Model 'churn', uri s3://models/churn)" in out
    for text in ("Produced by", "train-1", "OUTPUT", "model[0]", "accuracy", "0.93", "run-1"):
        assert text in out
    assert "Consumed by" not in out


def test_show_artifact_properties_readable(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "show", "s3://data/train").stdout
    assert "base type DATASET" in out
    assert '{"layers":[64.0,32.0],"optimizer":"adam"}' in out
    assert 'uri: "/packed"' in out
    assert "<acme.Secret, 2 bytes>" in out
    for text in ("Consumed by", "INPUT", "examples"):
        assert text in out


def test_show_json(pipeline: Pipeline) -> None:
    result = ok("--db", str(pipeline.path), "show", f"artifact:{pipeline.model}", "--json")
    data = json.loads(result.stdout)
    ref = f"artifact:{pipeline.model}"
    assert (data["kind"], data["id"], data["ref"]) == ("artifact", pipeline.model, ref)
    assert data["node"]["name"] == "churn"
    assert data["type"]["name"] == "Model"
    [produced] = data["produced_by"]
    assert int(produced["execution"]["id"]) == pipeline.trainer
    assert (produced["event_type"], produced["path"]) == ("OUTPUT", "model[0]")
    assert [int(c["id"]) for c in data["contexts"]] == [pipeline.run]
    assert data["consumed_by"] == []
    assert list(data) == sorted(data)


def test_show_execution(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "show", "Trainer:train-1").stdout
    for text in ("Inputs", "Outputs", "train-data", "churn", "COMPLETE", "lr"):
        assert text in out
    data = json.loads(ok("--db", str(pipeline.path), "show", "train-1", "--json").stdout)
    assert [int(i["artifact"]["id"]) for i in data["inputs"]] == [pipeline.dataset]
    assert [int(o["artifact"]["id"]) for o in data["outputs"]] == [pipeline.model]


def test_show_context(pipeline: Pipeline) -> None:
    out = ok("--db", str(pipeline.path), "show", f"context:{pipeline.run}").stdout
    assert "members  2 artifacts, 1 execution\n" in out
    assert "Child contexts" in out
    assert "run-1-eval" in out
    data = json.loads(ok("--db", str(pipeline.path), "show", "run-1-eval", "--json").stdout)
    assert [int(p["id"]) for p in data["parents"]] == [pipeline.run]
    assert data["members"] == {"artifacts": 0, "executions": 0}


def test_show_unknown_lists_candidates(pipeline: Pipeline) -> None:
    line = failed("--db", str(pipeline.path), "show", "chrun")
    assert "no node matches 'chrun'" in line
    assert f"artifact:{pipeline.model} (Model 'churn', uri s3://models/churn)" in line


def test_show_unknown_id(pipeline: Pipeline) -> None:
    assert failed("--db", str(pipeline.path), "show", "execution:99") == (
        "error: no execution with id 99"
    )


def test_show_ambiguous(pipeline: Pipeline) -> None:
    with lineage.MetadataStore(str(pipeline.path)) as store:
        other = store.put_context_type(pb.ContextType(name="Experiment"))
        store.put_contexts([pb.Context(type_id=other, name="churn")])
    line = failed("--db", str(pipeline.path), "show", "churn")
    assert "matches 2 nodes" in line
    assert f"artifact:{pipeline.model} (Model 'churn'" in line
    assert "(Experiment 'churn')" in line


# ----------------------------------------------------------------------------- store naming
def test_missing_store_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    for args in (["ls", "artifacts"], ["show", "x"], ["db", "info"], ["db", "upgrade"]):
        line = failed("--db", str(missing), *args)
        assert line == f"error: no store at {missing}; record something first or pass --db"
    assert not missing.exists()


def test_default_store_is_cwd_lineage_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert failed("ls", "artifacts") == (
        "error: no store at ./lineage.db; record something first or pass --db"
    )
    assert not (tmp_path / "lineage.db").exists()


def test_empty_database_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    line = failed("--db", str(path), "ls", "artifacts")
    assert "the database is empty" in line
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_env_and_option_precedence(pipeline: Pipeline, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.db")
    env = {"LINEAGE_DB": str(pipeline.path)}
    assert "churn" in ok("ls", "artifacts", env=env).stdout
    assert missing in failed("--db", missing, "ls", "artifacts", env=env)
    # --db after the command wins over --db before it.
    assert "churn" in ok("--db", missing, "ls", "artifacts", "--db", str(pipeline.path)).stdout
    url = f"sqlite:///{pipeline.path}"
    assert "churn" in ok("ls", "artifacts", env={"LINEAGE_DB": url}).stdout


def test_bad_url(pipeline: Pipeline) -> None:
    line = failed("--db", "oracle://scott@host/db", "ls", "artifacts")
    assert "Unsupported database URL scheme" in line


def test_unexpected_error_is_one_line(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaput")

    monkeypatch.setattr(lineage.MetadataStore, "get_artifacts", boom)
    line = failed("--db", str(pipeline.path), "ls", "artifacts")
    assert "unexpected RuntimeError: kaput" in line
