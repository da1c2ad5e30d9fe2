"""The OpenAPI 3.1 document of ``/api/v1``, built from the route table and the parameters below.

``tests/web/test_api.py`` checks it against the app's routes both ways: every route is
described and every described path is routed.
"""

from __future__ import annotations

import re
from typing import Any, Final

import lineage
from lineage.web.api import ROUTES

__all__ = ["PARAMETERS", "openapi_document"]

_S: Final = {"type": "string"}
_I: Final = {"type": "integer"}
_B: Final = {"type": "boolean"}

#: Query parameters of each endpoint: name -> (schema, description).
PARAMETERS: Final[dict[str, dict[str, tuple[dict[str, Any], str]]]] = {
    "/api/v1/runs": {
        "experiment": (_S, "Only runs in this experiment"),
        "tag": (_S, "Only runs with this tag"),
        "state": (_S, "COMPLETE, FAILED, RUNNING, CANCELED, ..."),
        "since": (_S, "Started at or after: an ISO time or a duration ago (7d)"),
        "until": (_S, "Started at or before"),
        "type": (_S, "Only runs of this step (execution type)"),
        "q": (_S, "An MLMD filter query on the executions"),
        "order": (_S, "create_time (default), last_update_time or id"),
        "asc": (_B, "Oldest first"),
        "limit": (_I, "Runs per page, 1 to 100 (50)"),
        "next": (_S, "The next token of the previous page"),
    },
    "/api/v1/compare": {"runs": (_S, "2 to 20 runs, comma-separated or repeated")},
    "/api/v1/diff": {"a": (_S, "An artifact (the good model)"), "b": (_S, "Another artifact")},
    "/api/v1/experiments": {"limit": (_I, "1 to 100"), "next": (_S, "Next-page token")},
    "/api/v1/nodes": {
        "q": (_S, "Text in a name, URI or type name, an id, or a node reference"),
        "kind": (_S, "artifact, execution and/or context"),
        "limit": (_I, "Nodes per kind, 1 to 100 (20)"),
        "next": (_S, "Next-page token (with one kind)"),
    },
    "/api/v1/nodes/{node}/provenance": {"as_of": (_S, "The graph as it was at this time")},
    "/api/v1/nodes/{node}/impact": {"limit": (_I, "At most this many nodes, 1 to 10,000")},
    "/api/v1/graph": {
        "focus": (_S, "The node at the centre (required)"),
        "up": (_I, "Hops upstream, 0 to 20 (1)"),
        "down": (_I, "Hops downstream, 0 to 20 (1)"),
        "expand": (_S, "More hops from shown nodes: KEY:up:N or KEY:down:N, comma-separated"),
        "path": (_S, "Two nodes: highlight the path between them"),
        "as_of": (_S, "The graph as it was at this time"),
        "collapse": (_I, "Fan-outs above this become '+N more' (12; 0: never)"),
        "max_nodes": (_I, "Draw at most this many nodes, 1 to 5,000 (2,000)"),
    },
    "/api/v1/reports/dossier/{node}": {"format": (_S, "json (default), md or html")},
    "/api/v1/reports/gdpr": {
        "subject": (_S, "subject:ID or a dataset (required)"),
        "format": (_S, "json (default), md or html"),
    },
}

_ERROR: Final = {
    "type": "object",
    "required": ["ok", "status", "error"],
    "properties": {
        "ok": {"const": False},
        "status": _I,
        "error": {"type": "string", "description": "What is wrong, in words"},
        "field": {"type": "string", "description": "The parameter or field at fault"},
        "position": {"type": "integer", "description": "Offset of a filter query's error"},
    },
}


def spec_path(path: str) -> str:
    """A route path as OpenAPI writes it (``{node:path}`` -> ``{node}``)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


#: The schema of an OpenLineage event (lineage.openlineage checks events against it).
_OPENLINEAGE_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the JSON API."""
    paths: dict[str, Any] = {}
    for method, route_path, handler, summary in ROUTES:
        path = spec_path(route_path)
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _S}
            for name in re.findall(r"\{(\w+)\}", path)
        ]
        parameters += [
            {"name": name, "in": "query", "schema": schema, "description": text}
            for name, (schema, text) in PARAMETERS.get(path, {}).items()
        ]
        operation: dict[str, Any] = {
            "summary": summary,
            "description": (handler.__doc__ or "").strip(),
            "operationId": handler.__name__.strip("_"),
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "4XX": {
                    "description": "Bad input, unknown node, or a write without --write",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if method == "POST":
            body: dict[str, Any] = {"type": "object"}
            if path.startswith("/api/v1/lineage"):
                body = {"$ref": _OPENLINEAGE_EVENT}
                if path.endswith("/batch"):
                    body = {"type": "array", "items": body}
                operation["responses"]["201"] = operation["responses"].pop("200")
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lineage ui API",
            "version": lineage.__version__,
            "description": "The JSON twin of every page of `lineage ui`.",
        },
        "paths": paths,
        "components": {"schemas": {"Error": _ERROR}},
    }
