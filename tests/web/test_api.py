"""The JSON API: what each endpoint answers, its errors, paging, writes and what it never serves."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from lineage import proto
from lineage.web import api, openapi

AUC = "custom_properties.`metric.auc`.double_value"


def test_runs_newest_first_with_columns(client: Any, seeded: Any) -> None:
    _, ids = seeded
    data = client.get("/api/v1/runs").json()
    assert [r["id"] for r in data["runs"]] == list(reversed(ids["runs"]))
    assert data["columns"] == {
        "params": ["learning_rate", "max_depth", "optimizer"],
        "metrics": ["auc", "loss"],
    }
    assert data["next"] is None
    assert data["runs"][-1]["tags"] == ["baseline", "sweep"]


def test_runs_pages_with_keyset_tokens(client: Any, seeded: Any) -> None:
    _, ids = seeded
    seen: list[int] = []
    url = "/api/v1/runs?limit=4"
    pages = 0
    while url:
        data = client.get(url).json()
        seen += [r["id"] for r in data["runs"]]
        pages += 1
        url = "/api/v1/runs" + data["next_url"] if data["next_url"] else ""
    assert pages == 2
    assert seen == list(reversed(ids["runs"]))
    oldest = client.get("/api/v1/runs?order=id&asc=true&limit=2").json()
    assert [r["id"] for r in oldest["runs"]] == ids["runs"][:2]


def test_runs_filter_by_metric_condition(client: Any) -> None:
    data = client.get("/api/v1/runs", params={"q": f"{AUC} > 0.9"}).json()
    assert data["runs"], "some runs of the sweep reach an AUC above 0.9"
    assert all(r["metrics"]["auc"] > 0.9 for r in data["runs"])
    everything = client.get("/api/v1/runs").json()["runs"]
    assert len(data["runs"]) == sum(r["metrics"]["auc"] > 0.9 for r in everything)


def test_runs_filter_by_experiment_tag_and_state(client: Any) -> None:
    assert len(client.get("/api/v1/runs?experiment=churn-sweep").json()["runs"]) == 6
    assert len(client.get("/api/v1/runs?experiment=nope").json()["runs"]) == 0
    assert [r["name"] for r in client.get("/api/v1/runs?tag=baseline").json()["runs"]] == [
        "sweep-1"
    ]
    assert len(client.get("/api/v1/runs?state=failed").json()["runs"]) == 0


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"q": f"{AUC} >> 1"}, "q", "position"),
        ({"limit": "0"}, "limit", "from 1 to 100"),
        ({"limit": "101"}, "limit", "from 1 to 100"),
        ({"limit": "ten"}, "limit", "integer"),
        ({"order": "auc"}, "order", "create_time"),
        ({"state": "EXPLODED"}, "state", "unknown run state"),
        ({"since": "last tuesday"}, "since", "as a time"),
        ({"next": "not-a-token"}, "next", "token"),
        ({"asc": "maybe"}, "asc", "true or false"),
    ],
)
def test_runs_bad_input_names_the_field(
    client: Any, query: dict[str, str], field: str, words: str
) -> None:
    response = client.get("/api/v1/runs", params=query)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == 400
    assert body["field"] == field
    assert words in body["error"]


def test_bad_filter_reports_its_position_in_the_users_text(client: Any) -> None:
    body = client.get("/api/v1/runs", params={"q": "name = 'a' AND foo =="}).json()
    assert body["field"] == "q"
    assert body["position"] == len("name = 'a' AND foo ")


def test_compare_marks_differences_and_carries_curves(client: Any, seeded: Any) -> None:
    _, ids = seeded
    runs = ids["runs"][:3]
    data = client.get("/api/v1/compare", params={"runs": ",".join(map(str, runs))}).json()
    assert [r["id"] for r in data["runs"]] == runs
    rows = {(r["section"], r["key"]): r for r in data["rows"]}
    assert rows[("params", "learning_rate")]["differs"] is True
    assert rows[("params", "learning_rate")]["values"] == [0.01, 0.02, 0.04]
    assert rows[("params", "optimizer")]["differs"] is False
    assert set(data["series"]) == {"auc", "loss"}
    assert set(data["series"]["loss"]) == {str(r) for r in runs}
    assert data["series"]["loss"][str(runs[0])]["steps"] == list(range(12))
    assert [m["type"] for m in data["models"]] == ["Model"] * 3


@pytest.mark.parametrize(
    ("runs", "status", "words"),
    [
        ("4", 400, "2 to 20"),
        (",".join(str(i) for i in range(1, 23)), 400, "at most 20"),
        ("4,99999", 404, "99999"),
        ("4,4", 400, "twice"),
    ],
)
def test_compare_bad_input(client: Any, runs: str, status: int, words: str) -> None:
    response = client.get("/api/v1/compare", params={"runs": runs})
    assert response.status_code == status
    assert response.json()["field"] == "runs"
    assert words in response.json()["error"]


def test_diff_of_two_models_marks_the_first_divergence(client: Any, seeded: Any) -> None:
    _, ids = seeded
    data = client.get("/api/v1/compare", params={"runs": f"{ids['runs'][0]},{ids['runs'][5]}"})
    a, b = (m["artifact"] for m in data.json()["models"])
    diff = client.get("/api/v1/diff", params={"a": a, "b": b}).json()
    assert diff["identical"] is False
    assert diff["divergence_text"]
    assert {c["name"] for c in diff["parameters"]} >= {"learning_rate"}
    assert client.get("/api/v1/diff", params={"a": a}).json()["field"] == "b"


def test_search_finds_nodes_by_name_uri_type_and_id(client: Any, seeded: Any) -> None:
    _, ids = seeded
    by_name = client.get("/api/v1/nodes", params={"q": "churn-model"}).json()
    assert by_name["exact"][0]["key"] == f"artifact:{ids['model']}"
    by_uri = client.get("/api/v1/nodes", params={"q": "s3://lake"}).json()
    assert {a["name"] for a in by_uri["artifacts"]["items"]} == {"raw", "clean"}
    by_type = client.get("/api/v1/nodes", params={"q": "Evaluator"}).json()
    assert [x["name"] for x in by_type["executions"]["items"]] == ["eval-1"]
    paged = client.get("/api/v1/nodes", params={"q": "sweep", "kind": "execution", "limit": 4})
    first = paged.json()["executions"]
    assert len(first["items"]) == 4
    assert first["next"]
    rest = client.get(
        "/api/v1/nodes",
        params={"q": "sweep", "kind": "execution", "limit": 4, "next": first["next"]},
    ).json()["executions"]
    assert len(rest["items"]) == 2
    bad = client.get("/api/v1/nodes", params={"kind": "table"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "kind"


def test_node_has_fields_properties_contexts_and_events(client: Any, seeded: Any) -> None:
    _, ids = seeded
    data = client.get(f"/api/v1/nodes/artifact:{ids['model']}").json()
    assert data["node"]["name"] == "churn-model"
    assert data["node"]["properties"]["framework"] == {"string_value": "scikit-learn"}
    assert [c["name"] for c in data["contexts"]] == ["churn-2026-11-26"]
    assert [e["execution"]["name"] for e in data["produced_by"]] == ["train-1"]
    assert [e["execution"]["name"] for e in data["consumed_by"]] == ["eval-1"]
    missing = client.get("/api/v1/nodes/artifact:424242")
    assert missing.status_code == 404
    assert missing.json()["field"] == "node"


def test_graph_is_a_laid_out_neighbourhood(client: Any, seeded: Any) -> None:
    _, ids = seeded
    model = f"artifact:{ids['model']}"
    one = client.get("/api/v1/graph", params={"focus": model}).json()
    assert {n["title"] for n in one["nodes"]} == {"churn-model", "train-1", "eval-1"}
    deep = client.get("/api/v1/graph", params={"focus": model, "up": 4, "down": 0}).json()
    x = {n["title"]: n["x"] for n in deep["nodes"]}
    assert x["raw"] < x["ingest-1"] < x["clean"] < x["train-1"] < x["churn-model"]
    assert "eval-1" not in x
    focus = [n for n in deep["nodes"] if n["focus"]]
    assert [n["key"] for n in focus] == [model]


def test_graph_expands_from_a_shown_node_and_highlights_a_path(client: Any, seeded: Any) -> None:
    _, ids = seeded
    model, raw = f"artifact:{ids['model']}", f"artifact:{ids['raw']}"
    trainer = next(
        n["key"]
        for n in client.get("/api/v1/graph", params={"focus": model}).json()["nodes"]
        if n["title"] == "train-1"
    )
    more = client.get("/api/v1/graph", params={"focus": model, "expand": f"{trainer}:up:2"}).json()
    assert {"clean", "ingest-1"} <= {n["title"] for n in more["nodes"]}
    path = client.get("/api/v1/graph", params={"focus": model, "path": f"{raw},{model}"}).json()
    assert path["highlight"][0] == raw
    assert path["highlight"][-1] == model
    lit = {n["title"] for n in path["nodes"] if n["highlighted"] or n["focus"]}
    assert lit == {"raw", "ingest-1", "clean", "train-1", "churn-model"}
    assert sum(e["highlighted"] for e in path["edges"]) == 4


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({}, 400, "focus"),
        ({"focus": "artifact:999999"}, 404, "focus"),
        ({"focus": "MODEL", "up": "21"}, 400, "up"),
        ({"focus": "MODEL", "down": "-1"}, 400, "down"),
        ({"focus": "MODEL", "max_nodes": "0"}, 400, "max_nodes"),
        ({"focus": "MODEL", "expand": "artifact:1:sideways:1"}, 400, "expand"),
        ({"focus": "MODEL", "expand": "artifact:999999:up:1"}, 404, "expand"),
        ({"focus": "MODEL", "path": "artifact:1"}, 400, "path"),
        ({"focus": "MODEL", "as_of": "someday"}, 400, "focus"),
    ],
)
def test_graph_bad_input(
    client: Any, seeded: Any, query: dict[str, str], status: int, field: str
) -> None:
    _, ids = seeded
    query = {k: v.replace("MODEL", f"artifact:{ids['model']}") for k, v in query.items()}
    response = client.get("/api/v1/graph", params=query)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_preview_shows_the_head_of_a_local_artifact(client: Any, seeded: Any) -> None:
    store, _ = seeded
    [dataset] = [a for a in store.get_artifacts_by_type("Dataset") if a.uri.endswith("v1.csv")]
    data = client.get(f"/api/v1/artifacts/{dataset.id}/preview").json()
    assert data["kind"] == "table"
    assert data["columns"] == ["customer", "tenure", "plan", "churned"]
    assert len(data["rows"]) == 50
    assert data["truncated"] is True


def test_preview_never_reads_outside_the_preview_roots(client: Any, seeded: Any) -> None:
    store, _ = seeded
    kind = store.put_artifact_type(proto.ArtifactType(name="Secret"))
    [outside] = store.put_artifacts([proto.Artifact(type_id=kind, uri="/etc/passwd")])
    [dotted] = store.put_artifacts([proto.Artifact(type_id=kind, uri="file:///tmp/../etc/passwd")])
    for artifact_id in (outside, dotted):
        data = client.get(f"/api/v1/artifacts/{artifact_id}/preview").json()
        assert data["kind"] == "unavailable"
        assert "outside the directories" in data["reason"]
        assert data["text"] is None
        assert data["rows"] == []
    assert client.get("/api/v1/artifacts/..%2F..%2Fetc%2Fpasswd/preview").status_code in (400, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../ui.db",
        "/static/%2e%2e/%2e%2e/ui.db",
        "/static/..%2F..%2Fpages.py",
        "/static/vendor/../../pages.py",
        "/static/%2e%2e/_app.py",
        "/../../../etc/passwd",
    ],
)
def test_path_traversal_serves_nothing(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text
    assert "import" not in response.text


def test_writes_answer_403_without_write_and_change_nothing(client: Any, seeded: Any) -> None:
    store, ids = seeded
    key = f"artifact:{ids['model']}"
    before = store.get_artifacts_by_id([ids["model"]])[0]
    tag = client.post(f"/api/v1/nodes/{key}/tags", json={"add": ["blessed"]})
    note = client.post(f"/api/v1/nodes/{key}/notes", json={"text": "looks good"})
    for response in (tag, note):
        assert response.status_code == 403
        assert "--write" in response.json()["error"]
    assert store.get_artifacts_by_id([ids["model"]])[0] == before


def test_writes_with_write(seeded: Any, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from lineage.web import create_app

    store, ids = seeded
    key = f"artifact:{ids['model']}"
    with TestClient(create_app(store, write=True)) as c:
        response = c.post(f"/api/v1/nodes/{key}/tags", json={"add": ["blessed"]})
        assert response.status_code == 200
        assert response.json()["tags"] == ["blessed"]
        assert c.post(f"/api/v1/nodes/{key}/notes", json={"text": "ok"}).status_code == 201
        bad = c.post(f"/api/v1/nodes/{key}/tags", json={"add": "blessed"})
        assert bad.status_code == 400
        assert bad.json()["field"] == "add"
        empty = c.post(f"/api/v1/nodes/{key}/notes", json={"text": " "})
        assert empty.status_code == 400
        assert empty.json()["field"] == "text"
        form = c.post(f"/api/v1/nodes/{key}/notes", data={"text": "x"})
        assert form.status_code == 415
        assert form.json()["field"] == "body"
        cross = c.post(
            f"/api/v1/nodes/{key}/tags",
            json={"add": ["evil"]},
            headers={"Origin": "http://attacker.example"},
        )
        assert cross.status_code == 403
    tags = sorted(
        k for k in store.get_artifacts_by_id([ids["model"]])[0].custom_properties if "tag" in k
    )
    assert len(tags) == 1
    assert tags[0].endswith("blessed")


def test_reports_download_in_three_formats(client: Any, seeded: Any) -> None:
    _, ids = seeded
    key = f"artifact:{ids['model']}"
    as_json = client.get(f"/api/v1/reports/dossier/{key}")
    assert as_json.json()["model"]["name"] == "churn-model"
    assert "attachment" in as_json.headers["content-disposition"]
    assert client.get(f"/api/v1/reports/dossier/{key}?format=md").text.startswith("# ")
    assert "<html" in client.get(f"/api/v1/reports/dossier/{key}?format=html").text
    bad = client.get(f"/api/v1/reports/dossier/{key}?format=xml")
    assert bad.status_code == 400
    assert bad.json()["field"] == "format"
    assert client.get("/api/v1/reports/gdpr").json()["field"] == "subject"


def test_unknown_api_path_is_a_json_404(client: Any) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "status": 404,
        "error": "nothing is served at /api/v1/nothing-here",
        "field": "path",
    }


# ------------------------------------------------------------------------------ OpenAPI
def _read_params(function: Any, seen: set[Any] | None = None) -> set[str]:
    """Query parameters a handler reads, following the ``*_data`` helpers it calls."""
    seen = seen or set()
    seen.add(function)
    source = inspect.getsource(function)
    names = set(re.findall(r'_param\(\s*request,\s*"(\w+)"', source))
    if "for name in (" in source and '"experiment"' in source:
        names |= {"experiment", "tag", "state", "since", "until", "type"}
    for helper in re.findall(r"\b(\w+)\(request", source):
        target = getattr(api, helper, None)
        if inspect.isfunction(target) and target not in seen:
            names |= _read_params(target, seen)
    return names


def test_openapi_describes_every_route_and_only_routes(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    routed = {
        (openapi.spec_path(r.path), m.lower())
        for r in client.app.routes
        if getattr(r, "path", "").startswith("/api/v1/") and r.path != "/api/v1/openapi.json"
        for m in (r.methods or ()) - {"HEAD"}
    }
    described = {(p, m) for p, ops in document["paths"].items() for m in ops}
    assert routed == described
    for method, path, handler, _ in api.ROUTES:
        operation = document["paths"][openapi.spec_path(path)][method.lower()]
        documented = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert documented == _read_params(handler), path
