"""A secret given to a tracked script reaches no output: store, runs, show, reports, renders.

The run of ``train.py --password hunter2 ...`` with ``params=args`` (an argparse Namespace) is
recorded with every automatic capture that applies (command line, parameters, config file,
environment), then read back through every command that shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import lineage
from lineage.cli import cli
from lineage.render import graphviz_available
from lineage.track import close_stores
from lineage.track.redaction import MARKER

SECRET = "hunter2"
DSN = f"postgresql://app:{SECRET}@db.internal/prod"


@dataclass
class Recorded:
    """The store file and what was recorded in it."""

    path: str
    run: int
    failed: int
    model: int


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="lineage", catch_exceptions=False)


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorded]:
    """Two runs of ``train.py`` given the secret as options, in params, a config file and env."""
    for name in ("LINEAGE_DB", "LINEAGE_NO_CAPTURE", "LINEAGE_REDACT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN", SECRET)
    monkeypatch.setenv("DATABASE_URL", DSN)
    script = tmp_path / "train.py"
    script.write_text("print('train')\n")
    argv = [
        str(script),
        "--password",
        SECRET,
        f"--api-key={SECRET}",
        "-t",
        SECRET,
        "--db",
        DSN,
        "--lr",
        "0.1",
    ]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "orig_argv", [sys.executable, *argv])
    parser = argparse.ArgumentParser()
    parser.add_argument("--password")
    parser.add_argument("--api-key")
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("--db")
    parser.add_argument("--lr", type=float)
    args = parser.parse_args(argv[1:])
    config = tmp_path / "train.yaml"
    config.write_text(f"credentials:\n  user: bob\n  key: {SECRET}\nmax_tokens: 512\n")
    data = tmp_path / "train.csv"
    data.write_text("x,y\n1,2\n")
    path = tmp_path / "runs.db"
    settings: dict[str, Any] = {"store": path, "capture": {"git": False}, "experiment": "sec"}
    with lineage.run("train", params=[args, config], inputs=[data], **settings) as run:
        run.log_params({"service": {"hf_token": SECRET, "tokenizer_name": "bert"}})
        run.log_metric("acc", 0.8 + 0.07)
        model = tmp_path / "model.pkl"
        model.write_bytes(b"weights")
        run.output(model, type="Model")
    with pytest.raises(RuntimeError), lineage.run("train", params=args, **settings) as failed:
        raise RuntimeError(f"cannot connect to {DSN} as app/{SECRET}")
    with lineage.MetadataStore(str(path)) as store:
        [artifact] = store.get_artifacts_by_uri(str(model))
    close_stores()
    assert run.id is not None
    assert failed.id is not None
    yield Recorded(path=str(path), run=run.id, failed=failed.id, model=int(artifact.id))
    close_stores()


def _clean(text: str, where: str) -> None:
    assert SECRET not in text, f"{where} shows the secret"


def test_the_database_holds_no_secret(recorded: Recorded) -> None:
    with lineage.MetadataStore(recorded.path) as store:
        nodes = [*store.get_artifacts(), *store.get_executions(), *store.get_contexts()]
        assert {type(n).__name__ for n in nodes} == {"Artifact", "Execution", "Context"}
        for node in nodes:
            for name, value in [*node.properties.items(), *node.custom_properties.items()]:
                assert SECRET.encode() not in value.SerializeToString(), (node.id, name)
            assert SECRET.encode() not in node.SerializeToString()
        [run] = store.get_executions_by_id([recorded.run])
        props = run.custom_properties
        assert props["param.password"].string_value == MARKER
        assert props["param.service.hf_token"].string_value == MARKER
        assert props["param.db"].string_value == f"postgresql://app:{MARKER}@db.internal/prod"
        assert props["param.max_tokens"].int_value == 512
        assert props["param.service.tokenizer_name"].string_value == "bert"
        command = props["code.command"].string_value
        for shown in (f"--password '{MARKER}'", f"'--api-key={MARKER}'", f"-t '{MARKER}'"):
            assert shown in command
        [failed] = store.get_executions_by_id([recorded.failed])
        assert failed.custom_properties["run.error_message"].string_value == (
            f"cannot connect to postgresql://app:{MARKER}@db.internal/prod as app/{MARKER}"
        )
    close_stores()
    files = [p for p in os.listdir(os.path.dirname(recorded.path)) if p.startswith("runs.db")]
    for name in files:  # the database file itself (and a WAL, if any)
        raw = (Path(recorded.path).parent / name).read_bytes()
        assert SECRET.encode() not in raw, name


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_runs_show(recorded: Recorded, fmt: str) -> None:
    options = ["--json"] if fmt == "json" else []
    for run in (recorded.run, recorded.failed):
        result = invoke("--db", recorded.path, "runs", "show", str(run), *options)
        assert result.exit_code == 0, result.output
        _clean(result.output, "runs show")
        assert MARKER in result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["params"]["password"] == MARKER
        assert data["code"]["command"].count(MARKER) >= 4


@pytest.mark.parametrize("fmt", [[], ["--markdown"], ["--json"]])
def test_runs_compare(recorded: Recorded, fmt: list[str]) -> None:
    refs = [str(recorded.run), str(recorded.failed)]
    for extra in ([], ["--all"]):
        result = invoke("--db", recorded.path, "runs", "compare", *refs, *fmt, *extra)
        assert result.exit_code == 0, result.output
        _clean(result.output, "runs compare")
    assert MARKER in result.output  # with --all, the parameter rows show the marker


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_runs_ls(recorded: Recorded, fmt: list[str]) -> None:
    result = invoke("--db", recorded.path, "runs", "ls", *fmt)
    assert result.exit_code == 0, result.output
    _clean(result.output, "runs ls")
    if fmt:
        listed = {r["id"]: r for r in json.loads(result.stdout)}
        assert listed[recorded.run]["params"]["api_key"] == MARKER
    else:
        assert "acc=0.87" in result.stdout


def test_show_and_ls(recorded: Recorded) -> None:
    for args in (
        ["show", f"execution:{recorded.run}"],
        ["show", f"execution:{recorded.run}", "--json"],
        ["ls", "executions"],
        ["ls", "artifacts", "--json"],
        ["ls", "contexts"],
    ):
        result = invoke("--db", recorded.path, *args)
        assert result.exit_code == 0, result.output
        _clean(result.output, " ".join(args))
    shown = invoke("--db", recorded.path, "show", f"execution:{recorded.run}").stdout
    assert MARKER in shown


#: Where each format of the dossier shows the redacted parameter.
DOSSIER_MARKERS = {
    "md": f"| password | `{MARKER}` |",
    "html": "<th>parameter password</th><td><code>&lt;redacted&gt;</code>",
}


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_audit_dossier(recorded: Recorded, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"dossier.{fmt}"
    model = f"artifact:{recorded.model}"
    result = invoke(
        "--db", recorded.path, "report", "audit", model, "--format", fmt, "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    _clean(text, f"the {fmt} dossier")
    if fmt == "json":
        [step] = [s for s in json.loads(text)["steps"] if s["key"] == f"execution:{recorded.run}"]
        assert step["parameters"]["password"] == MARKER
        assert f"--password '{MARKER}'" in step["code"]["command"]
    else:
        assert DOSSIER_MARKERS[fmt] in text


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "html"])
def test_rendered_graphs(recorded: Recorded, tmp_path: Path, fmt: str) -> None:
    if fmt == "html" and not graphviz_available() and os.environ.get("CI", "") != "true":
        pytest.skip("Graphviz `dot` is not installed (make graphviz)")
    target = tmp_path / f"graph.{fmt}"
    model = f"artifact:{recorded.model}"
    result = invoke("--db", recorded.path, "render", model, "--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    _clean(text, f"the {fmt} rendering")
    if fmt == "html":  # the page's node details carry the run's properties
        assert "--password '\\u003credacted>'" in text
