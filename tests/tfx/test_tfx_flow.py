"""A TFX pipeline's metadata, written through TFX 1.21's own MLMD layer, on lineage's ml_metadata.

Runs in .venv-compat (protobuf 6, TensorFlow, ml-pipelines-sdk and tfx 1.21.0 installed without
their ml-metadata pin, lineage's compat/ml-metadata as ``ml_metadata``; `make
test-ml-metadata-compat`). Three nodes (ExampleGen, Trainer, Evaluator) run as TFX's launcher
records them: contexts prepared, each execution registered with the inputs it resolved from the
previous node's live outputs, its outputs published. The store is a SQLite file opened directly
(a ``ConnectionConfig``) or a ``lineage serve`` server on that file (a
``MetadataStoreClientConfig``). Afterwards Google's ml-metadata 1.17.1 (.venv-mlmd) reads the
file and must see exactly what lineage's package reads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parents[2]
MLMD_PYTHON = ROOT / ".venv-mlmd" / "bin" / "python"
DUMP = Path(__file__).with_name("_dump.py")
PIPELINE = "taxi"
RUN = "run-2026-12-07"


def _node_contexts(node: str) -> Any:
    from google.protobuf import text_format
    from tfx.proto.orchestration import pipeline_pb2

    return text_format.Parse(
        "".join(
            f"contexts {{ type {{ name: '{kind}' }}"
            f" name {{ field_value {{ string_value: '{name}' }} }} }}\n"
            for kind, name in (
                ("pipeline", PIPELINE),
                ("pipeline_run", RUN),
                ("node", f"{PIPELINE}.{node}"),
            )
        ),
        pipeline_pb2.NodeContexts(),
    )


def _run_node(
    m: Any,
    node: str,
    inputs: dict[str, list[Any]],
    outputs: dict[str, list[Any]],
    exec_properties: dict[str, Any],
) -> Any:
    """Record one component run as TFX's launcher does; return the published execution."""
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration.portable import execution_publish_utils
    from tfx.orchestration.portable.mlmd import context_lib

    contexts = context_lib.prepare_contexts(m, _node_contexts(node))
    execution = execution_publish_utils.register_execution(
        m,
        metadata_store_pb2.ExecutionType(name=f"tfx.components.{node}"),
        contexts,
        input_artifacts=inputs,
        exec_properties=exec_properties,
    )
    for index, artifacts in enumerate(outputs.values()):
        for number, artifact in enumerate(artifacts):
            artifact.uri = f"/pipelines/{PIPELINE}/{node}/{execution.id}/{index}-{number}"
    _, published = execution_publish_utils.publish_succeeded_execution(
        m, execution.id, contexts, output_artifacts=outputs
    )
    return published


def _resolve(m: Any, node: str, key: str) -> list[Any]:
    """The newest live outputs ``key`` of ``node``, as TFX input resolution finds them."""
    from tfx import types
    from tfx.orchestration.portable.mlmd import store_ext

    found = store_ext.get_live_output_artifacts_of_node_by_output_key(
        m.store, pipeline_id=PIPELINE, node_id=node, pipeline_run_id=RUN
    )
    newest = found[key][0]
    artifact_types = {
        t.id: t for t in m.store.get_artifact_types_by_id([a.type_id for a in newest])
    }
    resolved = []
    for mlmd_artifact in newest:
        artifact = types.Artifact(artifact_types[mlmd_artifact.type_id])
        artifact.set_mlmd_artifact(mlmd_artifact)
        resolved.append(artifact)
    return resolved


def _pipeline(connection_config: Any) -> dict[str, Any]:
    """Run the three nodes; return what the test checks about them."""
    import ml_metadata as mlmd
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration import metadata
    from tfx.orchestration.portable.mlmd import execution_lib
    from tfx.types import standard_artifacts

    with metadata.Metadata(connection_config=connection_config) as m:
        _run_node(
            m,
            "CsvExampleGen",
            {},
            {"examples": [standard_artifacts.Examples()]},
            {"input_base": "/data/taxi", "output_config": '{"split": "train,eval"}'},
        )
        examples = _resolve(m, "CsvExampleGen", "examples")
        trainer = _run_node(
            m,
            "Trainer",
            {"examples": examples},
            {"model": [standard_artifacts.Model()]},
            {"train_steps": 1000, "learning_rate": 0.01},
        )
        model = _resolve(m, "Trainer", "model")
        evaluator = _run_node(
            m,
            "Evaluator",
            {"model": model, "examples": examples},
            {"evaluation": [standard_artifacts.ModelEvaluation()]},
            {"eval_config": '{"metrics": ["auc"]}'},
        )
        # The Trainer's inputs, read back through TFX's execution_lib.
        trainer_inputs = execution_lib.get_input_artifacts(m, trainer.id)
        # A filter query as TFX writes them: the live models of this pipeline.
        models = m.store.get_artifacts(
            list_options=mlmd.ListOptions(
                filter_query=(
                    f'contexts_a.type = "pipeline" AND contexts_a.name = "{PIPELINE}" '
                    'AND type = "Model" AND state = LIVE'
                )
            )
        )
        options = metadata_store_pb2.LineageSubgraphQueryOptions(max_num_hops=10)
        options.starting_artifacts.filter_query = f"id = {model[0].id}"
        options.direction = metadata_store_pb2.LineageSubgraphQueryOptions.UPSTREAM
        upstream = m.store.get_lineage_subgraph(options)
        states = {
            e.name: metadata_store_pb2.Execution.State.Name(e.last_known_state)
            for e in m.store.get_executions()
        }
        return {
            "examples": examples,
            "model": model,
            "trainer": trainer,
            "evaluator": evaluator,
            "trainer_inputs": trainer_inputs,
            "models": models,
            "upstream": upstream,
            "states": states,
            "types": sorted(t.name for t in m.store.get_execution_types()),
        }


@pytest.fixture(params=["sqlite-file", "lineage-serve"])
def connection(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A connection config TFX's ``Metadata`` takes, and the SQLite file behind it."""
    from ml_metadata.proto import metadata_store_pb2
    from tfx.orchestration import metadata

    db = tmp_path / "metadata.db"
    if request.param == "sqlite-file":
        yield metadata.sqlite_metadata_connection_config(str(db)), db
        return
    process, port = servers.serve_grpc(db)
    try:
        yield metadata_store_pb2.MetadataStoreClientConfig(host="127.0.0.1", port=port), db
    finally:
        servers.stop(process)


def test_tfx_pipeline_records_and_resolves(connection: tuple[Any, Path]) -> None:
    config, _ = connection
    seen = _pipeline(config)

    assert [a.uri for a in seen["examples"]] == [f"/pipelines/{PIPELINE}/CsvExampleGen/1/0-0"], (
        "the Trainer resolved ExampleGen's published examples"
    )
    assert seen["examples"][0].type_name == "Examples"
    assert seen["model"][0].type_name == "Model"
    assert [a.id for a in seen["trainer_inputs"]["examples"]] == [seen["examples"][0].id]
    assert [a.id for a in seen["models"]] == [seen["model"][0].id]
    assert set(seen["states"].values()) == {"COMPLETE"}
    assert seen["types"] == [
        "tfx.components.CsvExampleGen",
        "tfx.components.Evaluator",
        "tfx.components.Trainer",
    ]
    upstream = seen["upstream"]
    assert sorted(a.uri for a in upstream.artifacts) == sorted(
        [seen["model"][0].uri, seen["examples"][0].uri]
    )
    assert sorted(e.id for e in upstream.executions) == [1, seen["trainer"].id]
    # Contexts of the nodes reached: TFX attributes an input to the reading node's context too,
    # so the examples belong to the Evaluator's node context as well.
    assert sorted(c.name for c in upstream.contexts) == sorted(
        [PIPELINE, RUN, f"{PIPELINE}.CsvExampleGen", f"{PIPELINE}.Evaluator", f"{PIPELINE}.Trainer"]
    )


def test_google_ml_metadata_reads_the_same(connection: tuple[Any, Path]) -> None:
    config, db = connection
    _pipeline(config)
    ours = json.loads(
        subprocess.run(
            [sys.executable, str(DUMP), str(db)], check=True, capture_output=True, text=True
        ).stdout
    )
    assert MLMD_PYTHON.exists(), f"{MLMD_PYTHON} is missing: run `make setup`"
    theirs = json.loads(
        subprocess.run(
            [str(MLMD_PYTHON), str(DUMP), str(db)], check=True, capture_output=True, text=True
        ).stdout
    )
    assert len(ours["executions"]) == 3
    assert len(ours["artifacts"]) == 3
    for key in sorted(set(ours) | set(theirs)):
        assert ours.get(key) == theirs.get(key), key
