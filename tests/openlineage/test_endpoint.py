"""OpenLineage's HTTP transport into the web app: the real openlineage-python client posting to
``lineage ui --write``, permissions, malformed events and concurrent clients."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lineage
import lineage.openlineage as ol
from lineage.proto import Execution
from lineage.service import load_tokens
from lineage.web import create_app
from tests import servers
from tests.openlineage.helpers import dataset, event, facet, run_id, snapshot

WRITE = "write-token-0123456789"
READ = "read-token-0123456789"


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start ``lineage ui`` (a real process on a loopback port) on a store; yield its URL."""
    processes: list[Any] = []

    def start(db: str, *extra: str) -> str:
        process, url = servers.start("--db", db, "ui", "--no-browser", "--port", "0", *extra)
        processes.append(process)
        return url

    yield start
    for process in processes:
        servers.stop(process)


def client_for(url: str, api_key: str | None = None, gzip_body: bool = False) -> Any:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import (
        ApiKeyTokenProvider,
        HttpCompression,
        HttpConfig,
        HttpTransport,
    )

    config = HttpConfig(
        url=url,
        timeout=30,
        auth=ApiKeyTokenProvider({"apiKey": api_key}) if api_key else HttpConfig(url=url).auth,
        compression=HttpCompression.GZIP if gzip_body else None,
    )
    return OpenLineageClient(transport=HttpTransport(config))


def as_client_event(data: dict[str, Any]) -> Any:
    """An event dict as openlineage-python's own classes (its validators check runId, times
    and URIs); facets keep every field."""
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.generated.base import RunFacet

    def facets(items: dict[str, Any] | None) -> dict[str, Any]:
        out = {}
        for key, value in (items or {}).items():
            fields = {k: v for k, v in value.items() if not k.startswith("_")}
            made = RunFacet().with_additional_properties(**fields)
            made._producer = value.get("_producer", "")
            made._schemaURL = value.get("_schemaURL", "")
            out[key] = made
        return out

    def datasets(cls: Any, items: list[dict[str, Any]] | None) -> list[Any]:
        return [
            cls(namespace=i["namespace"], name=i["name"], facets=facets(i.get("facets")))
            for i in items or ()
        ]

    return RunEvent(
        eventType=RunState(data["eventType"]),
        eventTime=data["eventTime"],
        producer=data["producer"],
        run=Run(runId=data["run"]["runId"], facets=facets(data["run"].get("facets"))),
        job=Job(
            namespace=data["job"]["namespace"],
            name=data["job"]["name"],
            facets=facets(data["job"].get("facets")),
        ),
        inputs=datasets(InputDataset, data.get("inputs")),
        outputs=datasets(OutputDataset, data.get("outputs")),
    )


def corpus() -> list[Any]:
    from tests.openlineage.corpus import corpus_events

    return corpus_events()


def test_the_real_client_records_airflow_spark_and_dbt_lineage(serve: Any, tmp_path: Path) -> None:
    from tests.openlineage.corpus import AIRFLOW_SOURCES, DBT_OUTPUT, FAILED_TASK_RUN_ID

    db = tmp_path / "lineage.db"
    lineage.MetadataStore(str(db)).close()
    url = serve(str(db), "--write")
    client = client_for(url, gzip_body=True)
    events = corpus()
    for item in events:
        client.emit(item)  # raises on any answer but 2xx
    store = lineage.MetadataStore(str(db))
    try:
        [failed] = store.get_executions_by_external_ids([f"openlineage:run:{FAILED_TASK_RUN_ID}"])
        assert failed.last_known_state == Execution.FAILED
        # A model trained on the dbt output, recorded by lineage.run as any training is.
        model = tmp_path / "model.txt"
        with lineage.run("train", store=store, inputs=[ol.dataset_uri(*DBT_OUTPUT)]) as run:
            model.write_text("weights")
            run.output(model, type="Model")
    finally:
        store.close()
    shown = subprocess.run(
        [sys.executable, "-m", "lineage", "--db", str(db), "provenance", str(model), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    card = json.loads(shown.stdout)
    text = json.dumps(card)
    for source in AIRFLOW_SOURCES:  # back through dbt, Spark and Airflow to the sources
        assert ol.dataset_uri(*source) in text, source
    assert ol.dataset_uri(*DBT_OUTPUT) in text


def small_run(key: str = "a") -> list[dict[str, Any]]:
    run = run_id(key)
    src = dataset("postgres://db:5432", "shop.public.orders")
    out = dataset("s3://raw", f"/{key}.parquet", schema=facet(fields=[{"name": "id"}]))
    events = [
        event("START", run, f"job.{key}", "2026-12-06T02:00:00Z", inputs=[src]),
        event("COMPLETE", run, f"job.{key}", "2026-12-06T02:01:00Z", inputs=[src], outputs=[out]),
    ]
    copied: list[dict[str, Any]] = json.loads(json.dumps(events))  # no shared dicts
    return copied


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[Any]:
    from starlette.testclient import TestClient

    def make(write: bool = True, tokens: Any = None) -> Any:
        store = lineage.MetadataStore(str(tmp_path / "app.db"))
        stores.append(store)
        client = TestClient(create_app(store, write=write, tokens=tokens))
        clients.append(client)
        return client, store

    stores: list[Any] = []
    clients: list[Any] = []
    yield make
    for client in clients:
        client.close()
    for store in stores:
        store.close()


def test_one_event_and_a_batch_answer_201_with_what_was_new(app_client: Any) -> None:
    client, store = app_client()
    first, second = small_run()
    answer = client.post("/api/v1/lineage", json=first)
    assert answer.status_code == 201
    assert answer.json() == {
        "ok": True,
        "events": 1,
        "new": 1,
        "duplicates": 0,
        "runs": 1,
        "executions": [store.get_executions()[0].id],
    }
    batch = client.post("/api/v1/lineage/batch", json=[first, second, *small_run("b")])
    assert batch.status_code == 201
    assert (batch.json()["new"], batch.json()["duplicates"], batch.json()["runs"]) == (3, 1, 2)
    assert len(store.get_executions()) == 2
    body = gzip.compress(json.dumps(small_run("c")[0]).encode())
    zipped = client.post(
        "/api/v1/lineage",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert zipped.status_code == 201
    assert len(store.get_executions()) == 3


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventType="FINISHED"), "eventType"),
        (lambda e: e["inputs"][0].pop("name"), "inputs[0].name"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field_and_nothing_is_written(
    app_client: Any, mutate: Any, field: str
) -> None:
    client, store = app_client()
    good, bad = small_run()
    mutate(bad)
    single = client.post("/api/v1/lineage", json=bad)
    assert single.status_code == 400
    assert single.json()["field"] == field
    assert field.split("[")[0].split(".")[-1] in single.json()["error"]
    batch = client.post("/api/v1/lineage/batch", json=[good, bad])
    assert batch.status_code == 400
    assert batch.json()["field"] == f"[1].{field}"
    assert store.get_executions() == []  # the good event of the batch was not written either
    assert store.get_artifacts() == []


def test_bodies_that_are_not_events_are_refused(app_client: Any) -> None:
    client, store = app_client()
    not_json = client.post(
        "/api/v1/lineage", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert (not_json.status_code, not_json.json()["field"]) == (400, "body")
    not_array = client.post("/api/v1/lineage/batch", json=small_run()[0])
    assert not_array.status_code == 400
    assert "array" in not_array.json()["error"]
    text = client.post("/api/v1/lineage", content=b"x", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    assert store.get_executions() == []


def test_posting_is_a_write_refused_where_writes_are(app_client: Any) -> None:
    client, store = app_client(write=False)
    refused = client.post("/api/v1/lineage", json=small_run()[0])
    assert refused.status_code == 403
    assert "--write" in refused.json()["error"]
    tokens = load_tokens(f"{READ} read\n{WRITE} write\n")
    gated, store = app_client(tokens=tokens)
    assert gated.post("/api/v1/lineage", json=small_run()[0]).status_code == 401
    reader = gated.post(
        "/api/v1/lineage", json=small_run()[0], headers={"Authorization": f"Bearer {READ}"}
    )
    assert reader.status_code == 403
    assert store.get_executions() == []
    writer = gated.post(
        "/api/v1/lineage", json=small_run()[0], headers={"Authorization": f"Bearer {WRITE}"}
    )
    assert writer.status_code == 201
    assert len(store.get_executions()) == 1


def test_the_openapi_document_describes_the_endpoint(app_client: Any) -> None:
    client, _ = app_client()
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    batch = paths["/api/v1/lineage/batch"]["post"]
    schema = batch["requestBody"]["content"]["application/json"]["schema"]
    assert schema["items"]["$ref"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json"
    assert "201" in paths["/api/v1/lineage"]["post"]["responses"]


@pytest.mark.parametrize("backend", ["sqlite-file", "mysql", "postgresql"], indirect=True)
def test_eight_http_clients_posting_the_same_runs_interleaved_lose_nothing(
    serve: Any, store_url: str, tmp_path: Path
) -> None:
    lineage.MetadataStore(store_url).close()
    url = serve(store_url, "--write")
    events = [e for key in "abcdef" for e in small_run(key)]
    errors: list[BaseException] = []

    def post_all(seed: int) -> None:
        try:
            client = client_for(url)
            mine = list(events)
            random.Random(seed).shuffle(mine)
            for item in mine:
                client.emit(as_client_event(item))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post_all, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    # The reference: one client sending each event once, in order, to a server of its own
    # (the client adds a facet of its own to what it sends, so the reference goes through it).
    reference_db = tmp_path / "reference.db"
    lineage.MetadataStore(str(reference_db)).close()
    reference_client = client_for(serve(str(reference_db), "--write"))
    for item in events:
        reference_client.emit(as_client_event(item))
    reference = lineage.MetadataStore(str(reference_db))
    store = lineage.MetadataStore(store_url)
    try:
        assert snapshot(store) == snapshot(reference)
        assert len(store.get_executions()) == 6
    finally:
        store.close()
        reference.close()


def test_serve_ui_takes_events_from_a_client_with_a_write_token(tmp_path: Path) -> None:
    """``lineage serve --ui``: the endpoint beside gRPC, behind the server's tokens."""
    db = tmp_path / "served.db"
    lineage.MetadataStore(str(db)).close()
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{READ} read\n{WRITE} write\n")
    process, url = servers.serve_with_ui(db, tokens)
    try:
        first, second = small_run()
        with pytest.raises(Exception, match="403"):  # requests' HTTPError: a read token
            client_for(url, api_key=READ).emit(as_client_event(first))
        writer = client_for(url, api_key=WRITE)
        writer.emit(as_client_event(first))
        writer.emit(as_client_event(second))
        request = urllib.request.Request(
            url + "/api/v1/lineage", data=b"{}", headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(request, timeout=10)
        assert anonymous.value.code == 401
        anonymous.value.close()
    finally:
        servers.stop(process)
    assert WRITE not in "".join(process.log)  # type: ignore[attr-defined]
    with lineage.MetadataStore(str(db)) as store:
        [run] = store.get_executions()
        assert run.last_known_state == Execution.COMPLETE


def test_node_pages_show_the_facets_readably(app_client: Any) -> None:
    from tests.openlineage.corpus import FAILED_TASK_RUN_ID, SPARK_OUTPUT, corpus_dicts

    client, store = app_client()
    assert client.post("/api/v1/lineage/batch", json=corpus_dicts()).status_code == 201
    [features] = store.get_artifacts_by_uri(ol.dataset_uri(*SPARK_OUTPUT))
    data = client.get(f"/api/v1/nodes/artifact:{features.id}").json()
    rows = {row["facet"]: row["value"] for row in data["openlineage"]}
    assert "←" in rows["dataset columnLineage"]  # out ← input.column (DIRECT/...)
    assert rows["dataset schema"]
    page = client.get(f"/nodes/artifact:{features.id}").text
    assert "<h2>OpenLineage</h2>" in page
    assert "ol.dataset_facet.columnLineage" not in page  # shown readably, not as raw values
    [failed] = store.get_executions_by_external_ids([f"openlineage:run:{FAILED_TASK_RUN_ID}"])
    run_rows = client.get(f"/api/v1/nodes/execution:{failed.id}").json()["openlineage"]
    error = next(r["value"] for r in run_rows if r["facet"] == "run errorMessage")
    assert "(at " in error  # the message with the last line of its stack trace


def test_a_malformed_batch_writes_nothing_on_every_backend(store: Any) -> None:
    from starlette.testclient import TestClient

    good, bad = small_run()
    bad["outputs"][0]["facets"]["schema"]["fields"] = [{"type": "INT"}]  # a field without name
    with TestClient(create_app(store, write=True)) as client:
        answer = client.post("/api/v1/lineage/batch", json=[good, bad])
        assert answer.status_code == 400
        assert answer.json()["field"] == "[1].outputs[0].facets.schema.fields[0].name"
        assert store.get_executions() == []
        assert store.get_artifact_types() == []  # not even a type
        again = client.post("/api/v1/lineage/batch", json=[good, good])
        assert (again.status_code, again.json()["new"], again.json()["duplicates"]) == (201, 1, 1)
