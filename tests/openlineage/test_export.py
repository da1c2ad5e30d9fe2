"""The store's runs as OpenLineage events: valid against the schemas, read by openlineage-python,
and a lossless round trip into a fresh store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import lineage
import lineage.openlineage as ol
from lineage.cli import cli
from lineage.demo import record_demo_pipeline, record_demo_sweep
from lineage.openlineage._export import CUSTOM_FACETS, SCHEMA_BASE
from tests import servers
from tests.compat._graph import build_pipeline
from tests.openlineage.helpers import snapshot

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "openlineage"


def plain(value: Any) -> Any:
    """JSON without nulls and empty maps or lists (how openlineage-python writes it)."""
    if isinstance(value, dict):
        items = {k: plain(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in items.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [plain(v) for v in value if v is not None]
    return value


def demo_store(url: str, tmp_path: Path) -> Any:
    store = lineage.MetadataStore(url)
    record_demo_pipeline(store)
    record_demo_sweep(store, tmp_path / "sweep")
    data = tmp_path / "features.csv"
    data.write_text("x,y\n1,2\n")
    with lineage.run("train-full", store=store, inputs=[data]) as run:  # with its environment
        run.log_params({"epochs": 3})
        run.log_metric("accuracy", 0.9)
    return store


def tfx_store(url: str) -> Any:
    store = lineage.MetadataStore(url)
    build_pipeline(store)  # TFX/KFP-shaped: pipeline, pipeline_run and node contexts, ...
    return store


def custom_validator(key_file: str, name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Resource

    from lineage.openlineage._schema import schema_registry

    registry = schema_registry()
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        assert contents["$id"] == f"{SCHEMA_BASE}/{path.name}"
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    return Draft202012Validator(
        {"$ref": f"{SCHEMA_BASE}/{key_file}#/$defs/{name}"}, registry=registry
    )


def check_custom_facets(events: list[dict[str, Any]]) -> set[str]:
    """Validate every lineage_* facet against its schema under schemas/openlineage/."""
    seen = set()
    validators = {k: custom_validator(*v) for k, v in CUSTOM_FACETS.items()}
    for event in events:
        maps = [("run", event["run"].get("facets") or {})]
        maps += [("dataset", d.get("facets") or {}) for d in event.get("inputs", [])]
        maps += [("dataset", d.get("facets") or {}) for d in event.get("outputs", [])]
        for kind, facets in maps:
            for key, facet in facets.items():
                if not key.startswith("lineage_"):
                    continue
                schema_key = (
                    "lineage_mlmd_dataset" if (kind, key) == ("dataset", "lineage_mlmd") else key
                )
                validators[schema_key].validate(facet)
                assert facet["_schemaURL"].startswith(
                    f"{SCHEMA_BASE}/{CUSTOM_FACETS[schema_key][0]}"
                )
                seen.add(f"{kind}:{key}")
    return seen


@pytest.mark.parametrize("shape", ["demo", "tfx"])
def test_exported_events_validate_and_the_client_reads_them(shape: str, tmp_path: Path) -> None:
    from openlineage.client.serde import Serde

    from tests.openlineage.test_endpoint import as_client_event

    store = demo_store("sqlite://", tmp_path) if shape == "demo" else tfx_store("sqlite://")
    events = list(ol.events(store))
    executions = store.get_executions()
    ended = [e for e in executions if e.last_known_state in (3, 4, 5, 6)]  # COMPLETE..CANCELED
    assert len(events) == len(executions) + len(ended)  # a START each, an end for the ended
    for event in events:
        assert ol.validate_event(event) == "RunEvent"
        # The client reads every field back (it leaves out nulls and empty maps on output).
        assert plain(Serde.to_dict(as_client_event(event))) == plain(event)
    seen = check_custom_facets(events)
    assert {"run:lineage_mlmd", "dataset:lineage_mlmd"} <= seen
    if shape == "demo":  # lineage.run records code, environment, metrics and fingerprints
        assert {
            "run:lineage_code",
            "run:lineage_environment",
            "run:lineage_metrics",
            "dataset:lineage_fingerprint",
            "dataset:lineage_model",
        } <= seen
        params = [
            e["run"]["facets"]["executionParameters"]
            for e in events
            if "executionParameters" in e["run"]["facets"]
        ]
        assert params
        assert {"key", "value"} <= set(params[0]["parameters"][0])
    starts = [e for e in events if e["eventType"] == "START"]
    assert len(starts) == len(executions)


@pytest.mark.parametrize("shape", ["demo", "tfx"])
def test_export_then_import_into_a_fresh_store_gives_the_same_graph(
    shape: str, store_url: str, tmp_path: Path
) -> None:
    store = demo_store(store_url, tmp_path) if shape == "demo" else tfx_store(store_url)
    try:
        events = json.loads(json.dumps(list(ol.events(store))))  # as a file would hold them
        fresh = lineage.MetadataStore(f"sqlite:///{tmp_path / 'fresh.db'}")
        try:
            ol.ingest(fresh, events, batch_size=3)  # a run's events may span batches
            assert snapshot(fresh) == snapshot(store)
            again = ol.ingest(fresh, events)
            if shape == "demo":  # every node has a name: nothing is recorded twice
                assert again.new == 0
                assert snapshot(fresh) == snapshot(store)
        finally:
            fresh.close()
    finally:
        store.close()


def test_openlineage_runs_go_out_as_they_came_in(tmp_path: Path) -> None:
    from tests.openlineage.corpus import corpus_dicts

    sent = corpus_dicts()
    store = lineage.MetadataStore("sqlite://")
    ol.ingest(store, sent)
    back = list(ol.events(store))
    key = lambda e: (e["run"]["runId"], e["eventTime"], e["eventType"])  # noqa: E731
    assert sorted(back, key=key) == sorted(json.loads(json.dumps(sent)), key=key)


def test_the_cli_exports_to_a_file_and_imports_it(tmp_path: Path) -> None:
    db, fresh = tmp_path / "demo.db", tmp_path / "fresh.db"
    demo_store(str(db), tmp_path).close()
    out = tmp_path / "events.jsonl"
    runner = CliRunner()
    wrote = runner.invoke(cli, ["--db", str(db), "export", "openlineage", "--all", "-o", str(out)])
    assert wrote.exit_code == 0, wrote.output
    lines = out.read_text().splitlines()
    assert f"wrote {len(lines)} events to {out}" in wrote.output
    read = runner.invoke(cli, ["--db", str(fresh), "import", "openlineage", str(out), "--json"])
    assert read.exit_code == 0, read.output
    result = json.loads(read.stdout)
    assert (result["events"], result["new"]) == (len(lines), len(lines) // 2 + 1) or (
        result["events"] == len(lines)
    )
    with lineage.MetadataStore(str(db)) as a, lineage.MetadataStore(str(fresh)) as b:
        assert snapshot(a) == snapshot(b)
    # One node: only the runs in its provenance.
    node = runner.invoke(cli, ["--db", str(db), "export", "openlineage", "churn-model"])
    assert node.exit_code == 0, node.output
    names = {json.loads(line)["job"]["name"] for line in node.stdout.splitlines()}
    assert names
    assert "Evaluator" not in names  # evaluation came after the model: not in its provenance


def test_a_bad_line_names_its_line_and_field_and_nothing_is_written(tmp_path: Path) -> None:
    from tests.openlineage.corpus import corpus_dicts

    events = corpus_dicts()[:6]
    events[4]["run"]["runId"] = "not-a-uuid"
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    db = tmp_path / "target.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", "openlineage", str(path)])
    assert result.exit_code == 1
    assert "line 5" in result.output
    assert "run.runId" in result.output
    if db.exists():
        with lineage.MetadataStore(str(db)) as store:
            assert store.get_executions() == []


def test_export_posts_to_an_openlineage_endpoint(tmp_path: Path) -> None:
    import re

    source, target = tmp_path / "demo.db", tmp_path / "target.db"
    demo_store(str(source), tmp_path).close()
    lineage.MetadataStore(str(target)).close()
    process, url = servers.start(
        "--db", str(target), "ui", "--write", "--no-browser", "--port", "0"
    )
    try:
        posted = CliRunner().invoke(
            cli, ["--db", str(source), "export", "openlineage", "--all", "--url", url]
        )
        assert posted.exit_code == 0, posted.output
        assert re.search(rf"posted \d+ events to {url}", posted.output)
    finally:
        servers.stop(process)
    with lineage.MetadataStore(str(source)) as a, lineage.MetadataStore(str(target)) as b:
        assert snapshot(a) == snapshot(b)


def test_standard_facets_name_the_schema_versions_lineage_validates_with() -> None:
    from lineage.openlineage._export import _STANDARD
    from lineage.openlineage._schema import schema_registry

    resolver = schema_registry().resolver()
    for key, url in _STANDARD.items():
        document = url.split("#")[0]
        assert resolver.lookup(document).contents["$id"] == document, key  # the current version
        assert resolver.lookup(url).contents, key
