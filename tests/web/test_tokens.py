"""The web app behind tokens, as ``lineage serve --ui`` runs it: read tokens read, write write."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lineage.service import load_tokens
from lineage.web import create_app
from tests import servers

READ = "read-token-0123456789"
WRITE = "write-token-0123456789"


@pytest.fixture
def gated(seeded: Any) -> Any:
    from starlette.testclient import TestClient

    store, ids = seeded
    tokens = load_tokens(f"{READ} read\n{WRITE} write\n")
    with TestClient(create_app(store, write=True, tokens=tokens)) as c:
        yield c, ids


def test_without_a_token_the_api_answers_401_and_pages_ask_to_sign_in(gated: Any) -> None:
    client, _ = gated
    response = client.get("/api/v1/runs")
    assert response.status_code == 401
    assert response.json()["field"] == "authorization"
    page = client.get("/runs", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/runs"
    assert client.get("/static/app.css").status_code == 200


def test_a_read_token_reads_but_does_not_write(gated: Any) -> None:
    client, ids = gated
    auth = {"Authorization": f"Bearer {READ}"}
    assert len(client.get("/api/v1/runs", headers=auth).json()["runs"]) == 6
    key = f"artifact:{ids['model']}"
    denied = client.post(f"/api/v1/nodes/{key}/tags", json={"add": ["x"]}, headers=auth)
    assert denied.status_code == 403
    assert denied.json()["error"] == "this token may read but not write"
    wrong = client.get("/api/v1/runs", headers={"Authorization": "Bearer not-a-token-at-all"})
    assert wrong.status_code == 401


def test_a_write_token_writes(gated: Any) -> None:
    client, ids = gated
    key = f"artifact:{ids['model']}"
    response = client.post(
        f"/api/v1/nodes/{key}/tags",
        json={"add": ["blessed"]},
        headers={"Authorization": f"Bearer {WRITE}"},
    )
    assert response.status_code == 200
    assert response.json()["tags"] == ["blessed"]


def test_signing_in_sets_an_http_only_cookie(gated: Any) -> None:
    client, _ = gated
    bad = client.post("/login?next=/runs", data={"token": "guess-guess-guess"})
    assert bad.status_code == 401
    assert "not one this server accepts" in bad.text
    assert "lineage_token" not in bad.headers.get("set-cookie", "")
    good = client.post("/login?next=/runs", data={"token": READ}, follow_redirects=False)
    assert good.status_code == 303
    assert good.headers["location"] == "/runs"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert client.get("/runs").status_code == 200
    offsite = client.post(
        "/login?next=//evil.example/", data={"token": READ}, follow_redirects=False
    )
    assert offsite.headers["location"] == "/runs"


def test_serve_ui_serves_the_web_app_beside_grpc_with_the_same_tokens(tmp_path: Path) -> None:
    import lineage
    from lineage.demo import record_demo_pipeline

    db = tmp_path / "served.db"
    with lineage.MetadataStore(str(db)) as store:
        record_demo_pipeline(store)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{READ} read\n")
    process, url = servers.serve_with_ui(db, tokens)
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(url + "/api/v1/nodes?q=churn-model", timeout=10)
        assert denied.value.code == 401
        denied.value.close()
        request = urllib.request.Request(
            url + "/api/v1/nodes?q=churn-model", headers={"Authorization": f"Bearer {READ}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
        assert '"name":"churn-model"' in body
    finally:
        servers.stop(process)
    assert READ not in "".join(process.log), "the token is never logged"  # type: ignore[attr-defined]
