"""``lineage ui``: a web app to explore lineage and compare runs, with links a team can share.

:func:`create_app` builds the ASGI app (Starlette) over an open store: server-rendered pages
(``/runs``, ``/compare``, ``/nodes/KEY``, ``/dossier/KEY``, ``/gdpr``) whose whole view lives in
the URL, each with a JSON twin under ``/api/v1`` (described by ``/api/v1/openapi.json``). The
app calls the library's public functions only; it holds no SQL. ``docs/ui.md`` is the guide.

Example:
    >>> import lineage
    >>> from starlette.testclient import TestClient
    >>> from lineage.web import create_app
    >>> store = lineage.MetadataStore("sqlite://")
    >>> client = TestClient(create_app(store))
    >>> client.get("/api/v1/runs").json()["runs"]
    []
    >>> client.get("/api/v1/runs?limit=0").json()["field"]
    'limit'
    >>> store.close()
"""

from __future__ import annotations

from lineage.web._app import create_app

__all__ = ["create_app"]
