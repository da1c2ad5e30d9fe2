"""Request parsing and the one error shape of the web app.

Every bad input answers 4xx with ``{"ok": false, "status": N, "error": "...", "field": "..."}``
(plus ``position`` for a malformed filter query); pages show the same message in HTML. The
parsers here name the query parameter at fault, so the message tells the user what to fix.
"""

from __future__ import annotations

import gzip
import io
import json
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse

from lineage.errors import (
    AlreadyExistsError,
    FilterQueryError,
    InvalidArgumentError,
    LineageError,
    NotFoundError,
)

__all__ = [
    "ApiError",
    "MAX_TEXT",
    "TOKEN_COOKIE",
    "bool_param",
    "error_body",
    "int_param",
    "json_response",
    "list_param",
    "lineage_error",
    "str_param",
]

#: The cookie ``/login`` sets when the server asks for tokens (HttpOnly, SameSite=Strict).
TOKEN_COOKIE: Final = "lineage_token"
#: The longest text a query parameter may carry.
MAX_TEXT: Final = 4000


class ApiError(Exception):
    """An error answered to the client: HTTP status, message and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.extra = extra


def error_body(error: ApiError) -> dict[str, Any]:
    """The JSON body of an error response."""
    body: dict[str, Any] = {"ok": False, "status": error.status, "error": error.message}
    if error.field is not None:
        body["field"] = error.field
    body.update(error.extra)
    return body


def lineage_error(exc: LineageError, field: str | None = None) -> ApiError:
    """The :class:`ApiError` for an error the library raised while serving ``field``."""
    message = str(exc)
    if isinstance(exc, FilterQueryError):
        return ApiError(400, message, field, position=exc.position)
    if isinstance(exc, NotFoundError):
        return ApiError(404, message, field)
    if isinstance(exc, AlreadyExistsError):
        return ApiError(409, message, field)
    if isinstance(exc, InvalidArgumentError):
        candidates = getattr(exc, "candidates", None)
        if candidates:
            return ApiError(400, message, field, candidates=[c.ref for c in candidates])
        return ApiError(400, message, field)
    return ApiError(500, message, field)


def json_response(data: Any, status: int = 200) -> JSONResponse:
    """JSON with non-ASCII text kept readable."""
    return JSONResponse(data, status_code=status)


def str_param(
    request: Request, name: str, default: str | None = None, *, max_length: int = MAX_TEXT
) -> str | None:
    """A text query parameter; '' counts as absent."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if len(value) > max_length:
        raise ApiError(400, f"{name} is {len(value)} characters long; at most {max_length}", name)
    if "\x00" in value:
        raise ApiError(400, f"{name} cannot contain a NUL character", name)
    return value


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]."""
    text = str_param(request, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {text!r}", name) from None
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be from {low} to {high}, got {value}", name)
    return value


def bool_param(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter: 1/true/yes/on or 0/false/no/off."""
    text = str_param(request, name)
    if text is None:
        return default
    low = text.lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ApiError(400, f"{name} must be true or false, got {text!r}", name)


def list_param(request: Request, name: str, *, most: int = 100) -> list[str]:
    """A list parameter: repeated (``?runs=1&runs=2``) or comma-separated (``?runs=1,2``)."""
    items: list[str] = []
    for raw in request.query_params.getlist(name):
        if len(raw) > MAX_TEXT:
            raise ApiError(400, f"{name} is too long", name)
        items.extend(p.strip() for p in raw.split(",") if p.strip())
    if len(items) > most:
        raise ApiError(400, f"{name} takes at most {most} items, got {len(items)}", name)
    return items


async def json_payload(request: Request, limit: int = 64_000) -> Any:
    """The JSON a write request carries (at most ``limit`` bytes, after gzip if it is sent
    with ``Content-Encoding: gzip``, as OpenLineage's HTTP transport can)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "send the request body as application/json", "body")
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                raw = stream.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise ApiError(
                400, f"the gzip request body does not decompress: {exc}", "body"
            ) from None
    elif encoding != "identity":
        raise ApiError(415, f"unsupported Content-Encoding {encoding!r}: send gzip or none", "body")
    if len(raw) > limit:
        raise ApiError(413, f"the request body is over {limit} bytes", "body")
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(400, f"the request body is not JSON: {exc}", "body") from None


async def json_body(request: Request, limit: int = 64_000) -> dict[str, Any]:
    """The JSON object a write request carries (at most ``limit`` bytes)."""
    data = await json_payload(request, limit)
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object", "body")
    return data


def check_write(request: Request) -> None:
    """Refuse a write (403) unless the app allows writes and the token may write."""
    if not request.app.state.write:
        raise ApiError(403, "this lineage ui is read-only: start it with --write to edit", None)
    if (
        request.app.state.tokens is not None
        and request.scope.get("state", {}).get("access") != "write"
    ):
        raise ApiError(403, "this token may read but not write", "authorization")
    origin = request.headers.get("origin")
    if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host"):
        raise ApiError(403, "cross-site writes are refused", "origin")
