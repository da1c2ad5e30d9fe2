"""The service core: one table of RPCs, and the one path every call takes.

gRPC (``_server``) and grpc-web (``_grpc_web``) both end in :meth:`Service.call`: check the
caller's token, refuse writes where writes are off, serialize writes on SQLite, run the handler
on the store, map a ``lineage.errors`` status onto the gRPC code (MLMD's codes are gRPC's), and
log one line (method, code, milliseconds, peer; never a request, a token or a password).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lineage import errors
from lineage.service import _lineage, _mlmd

__all__ = ["Method", "Reply", "RpcFailure", "Service", "Tokens", "load_tokens"]

_log = logging.getLogger("lineage.server")

OK = 0
READ = "read"
WRITE = "write"


class RpcFailure(Exception):
    """An RPC that ends with a status other than OK."""

    def __init__(self, code: int, message: str, error: errors.StatusError | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.error = error

    def trailers(self) -> tuple[tuple[str, Any], ...]:
        """Which lineage error this was, for lineage's own client (``lineage-error``).

        ml-metadata's clients read only the code and message; lineage's remote store rebuilds
        the same exception class (``DependentsError``, ``FilterQueryError``, ...) from these.
        """
        error = self.error
        if error is None or type(error) is errors.exception_type_from_error_code(self.code):
            return ()
        detail = {
            "dependents": list(getattr(error, "dependents", ())),
            "position": getattr(error, "position", None),
        }
        return (
            ("lineage-error", type(error).__name__),
            ("lineage-error-detail-bin", json.dumps(detail).encode()),
        )


@dataclass(frozen=True)
class Method:
    """One RPC: its full path, message classes, handler and whether it writes."""

    service: str
    name: str
    request: Any
    response: Any
    handler: Callable[[Any, Any], Any]
    write: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"


@dataclass(frozen=True)
class Reply:
    """What an RPC answered: a serialized response (None on failure), a code and a message."""

    body: bytes | None
    code: int
    message: str = ""


class Tokens:
    """Bearer tokens and the access each grants ('read' or 'write').

    Compared in constant time; only a hash-free equality of whole tokens counts.
    """

    def __init__(self, grants: Mapping[str, str]) -> None:
        for token, access in grants.items():
            if access not in (READ, WRITE):
                raise errors.ConfigurationError(
                    f"token access must be 'read' or 'write', got {access!r}"
                )
            if len(token) < 16:
                raise errors.ConfigurationError("every token must have at least 16 characters")
        self._grants = [(t.encode(), a) for t, a in grants.items()]

    def __len__(self) -> int:
        return len(self._grants)

    def access(self, presented: str) -> str | None:
        """The access ``presented`` grants, or None."""
        given = presented.encode()
        found = None
        for token, access in self._grants:
            if hmac.compare_digest(token, given):
                found = access
        return found


def load_tokens(text: str) -> Tokens:
    """Tokens from text: one ``TOKEN read|write`` per line ('#' comments and blank lines skipped).

    Raises:
        ConfigurationError: A line that is not ``TOKEN ACCESS`` (the token is not shown).
    """
    grants: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise errors.ConfigurationError(
                f"tokens line {number}: expected 'TOKEN read' or 'TOKEN write'"
            )
        grants[parts[0]] = parts[1]
    return Tokens(grants)


def _methods() -> dict[str, Method]:
    from lineage.proto import lineage_service_pb2, metadata_store_service_pb2

    table: dict[str, Method] = {}
    for module, name, handlers, writes in (
        (metadata_store_service_pb2, "MetadataStoreService", _mlmd.HANDLERS, _mlmd.WRITES),
        (lineage_service_pb2, "LineageService", _lineage.HANDLERS, _lineage.WRITES),
    ):
        service = module.DESCRIPTOR.services_by_name[name]
        for m in service.methods:
            method = Method(
                service=service.full_name,
                name=m.name,
                request=getattr(module, m.input_type.name),
                response=getattr(module, m.output_type.name),
                handler=handlers[m.name],
                write=m.name in writes,
            )
            table[method.path] = method
    return table


def _bearer(metadata: Iterable[tuple[str, Any]]) -> str | None:
    for key, value in metadata:
        if key.lower() == "authorization":
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return ""
    return None


class Service:
    """The RPCs of both services over one store.

    Args:
        store: The ``lineage.MetadataStore``; None while the database is not reachable yet
            (calls then answer UNAVAILABLE) — set it with :meth:`attach`.
        read_only: Refuse every write with PERMISSION_DENIED.
        tokens: When given, every call needs ``authorization: Bearer <token>``; a read token
            may only read.
    """

    def __init__(
        self, store: Any = None, *, read_only: bool = False, tokens: Tokens | None = None
    ) -> None:
        self.methods = _methods()
        self.read_only = read_only
        self.tokens = tokens if tokens is not None and len(tokens) else None
        self._store = store
        self._write_lock = threading.Lock()
        self._draining = False
        #: When the last call was refused because the service drains (time.monotonic()).
        self.refused = 0.0

    def attach(self, store: Any) -> None:
        """Serve ``store`` from now on."""
        self._store = store

    @property
    def store(self) -> Any:
        return self._store

    def drain(self) -> None:
        """Refuse new calls with UNAVAILABLE (the server is shutting down)."""
        self.refused = time.monotonic()
        self._draining = True

    @property
    def draining(self) -> bool:
        return self._draining

    def authorize(self, method: Method, metadata: Iterable[tuple[str, Any]]) -> str:
        """The caller's access ('read' or 'write'); RpcFailure unless it may make this call."""
        access = READ if self.read_only else WRITE
        if self.tokens is not None:
            token = _bearer(metadata)
            granted = None if token is None else self.tokens.access(token)
            if token is None:
                raise RpcFailure(
                    errors.UNAUTHENTICATED,
                    "this server requires a token: send 'authorization: Bearer <token>' "
                    "(lineage clients read LINEAGE_TOKEN)",
                )
            if granted is None:
                raise RpcFailure(errors.UNAUTHENTICATED, "the token is not valid for this server")
            if method.write and granted != WRITE:
                raise RpcFailure(
                    errors.PERMISSION_DENIED,
                    f"{method.name} writes, and this token may only read",
                )
            if granted == READ:
                access = READ
        if method.write and self.read_only:
            raise RpcFailure(
                errors.PERMISSION_DENIED, f"{method.name} writes, and this server is read-only"
            )
        return access

    def call(
        self,
        method: Method,
        request: Any,
        metadata: Sequence[tuple[str, Any]],
        peer: str = "",
        accepted: bool = False,
    ) -> Any:
        """Run one RPC; its response, or RpcFailure with the status.

        ``request`` is the request message, or its serialized bytes (decoded after the token
        check; bytes that are not a valid request are INVALID_ARGUMENT naming the message).
        ``accepted`` calls arrived before :meth:`drain` and are served to the end; others
        answer UNAVAILABLE once the service drains.
        """
        started = time.perf_counter()
        code = OK
        try:
            access = self.authorize(method, metadata)
            if isinstance(request, bytes):
                request = _decode(method, request)
            if self._draining and not accepted:
                self.refused = time.monotonic()
                raise RpcFailure(errors.UNAVAILABLE, "the server is shutting down")
            store = self._store
            if store is None:
                raise RpcFailure(
                    errors.UNAVAILABLE, "the server is waiting for its database; retry later"
                )
            try:
                if method.write and store.dialect == "sqlite":
                    # One writer at a time inside the process; readers go on in parallel (WAL).
                    with self._write_lock:
                        return method.handler(store, request)
                response = method.handler(store, request)
                if method.name == "StoreInfo":  # what this caller may do, not the store
                    response.read_only = access == READ
                return response
            except errors.StatusError as exc:
                raise RpcFailure(int(exc.error_code), str(exc.message), exc) from exc
            except errors.LineageError as exc:
                raise RpcFailure(errors.UNKNOWN, str(exc)) from exc
            except (TypeError, ValueError) as exc:
                raise RpcFailure(errors.INVALID_ARGUMENT, str(exc)) from exc
        except RpcFailure as failure:
            code = failure.code
            raise
        except Exception:
            code = errors.INTERNAL
            _log.exception("%s failed", method.path)
            raise RpcFailure(errors.INTERNAL, "internal error (see the server's log)") from None
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            _log.info(
                json.dumps(
                    {"rpc": method.path, "code": _code_name(code), "ms": round(elapsed, 2)}
                    | ({"peer": peer} if peer else {})
                )
            )

    def invoke(
        self, path: str, body: bytes, metadata: Sequence[tuple[str, Any]], peer: str = ""
    ) -> Reply:
        """Run one RPC from its serialized request (the grpc-web path)."""
        method = self.methods.get(path)
        if method is None:
            return Reply(None, errors.UNIMPLEMENTED, f"unknown method {path}")
        try:
            response = self.call(method, body, metadata, peer)
        except RpcFailure as failure:
            return Reply(None, failure.code, failure.message)
        return Reply(response.SerializeToString(), OK)


def _decode(method: Method, body: bytes) -> Any:
    """The request message in ``body``; RpcFailure(INVALID_ARGUMENT) when it is not one."""
    try:
        return method.request.FromString(body)
    except Exception as exc:  # google.protobuf.message.DecodeError and friends
        name = method.request.DESCRIPTOR.full_name
        raise RpcFailure(
            errors.INVALID_ARGUMENT,
            f"{method.name}: malformed request, not a valid {name} ({exc})",
        ) from None


_NAMES = {
    value: name
    for name, value in vars(errors).items()
    if name.isupper() and isinstance(value, int) and not name.startswith("_")
}


def _code_name(code: int) -> str:
    return _NAMES.get(code, str(code))
