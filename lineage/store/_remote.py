"""The remote store: ``MetadataStore`` over gRPC, talking to ``lineage serve``.

``MetadataStore(MetadataStoreClientConfig(host=..., port=...))`` and the URLs
``grpc://host:port`` and ``grpcs://host:port`` open this backend. Every method sends the
request ml-metadata's own gRPC client sends (``ml_metadata.MetadataStoreService``), so it also
works against Google's ``metadata_store_server``; the operations MLMD's service has no RPC for
(walks with lineage's options, deletion, tombstones, erasure, store information) go to
``lineage.LineageService``. The server does all the work: nothing here reads a database.

Calls that come back ABORTED (a lock conflict the server rolled back) are retried with backoff,
as ml-metadata's client does; reads are also retried on UNAVAILABLE. A bearer token comes from
``$LINEAGE_TOKEN``.
"""

from __future__ import annotations

import os
import random
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from lineage import proto as pb
from lineage.errors import (
    ConfigurationError,
    ConnectionFailedError,
    InvalidArgumentError,
    StatusError,
    UnimplementedError,
    make_exception,
)
from lineage.store import _unbound
from lineage.store._api_common import ExtraOptions, as_ints, as_message, as_messages
from lineage.store._delete import Deleted
from lineage.store._paging import Page
from lineage.store._walk import Walk
from lineage.store.metadata_store import MetadataStore

__all__ = ["SCHEMES", "TOKEN_ENV", "RemoteMetadataStore", "is_remote"]

#: URL schemes of a remote store.
SCHEMES = ("grpc://", "grpcs://")
#: The environment variable holding the bearer token sent with every call.
TOKEN_ENV = "LINEAGE_TOKEN"
MLMD = "ml_metadata.MetadataStoreService"
LINEAGE = "lineage.LineageService"
#: The page size of listings (the server's cap, as ml-metadata's client uses).
PAGE = 100
#: Messages up to 100 MiB each way, as the server accepts.
MESSAGE_LIMIT = 100 * 1024 * 1024
_UNAVAILABLE = 14
_ABORTED = 10
_UNIMPLEMENTED = 12
_KINDS = {"artifact": "Artifact", "execution": "Execution", "context": "Context"}


def is_remote(config: Any) -> bool:
    """Whether ``config`` names a server: a grpc(s):// URL or a MetadataStoreClientConfig."""
    if isinstance(config, str):
        return config.startswith(SCHEMES)
    descriptor = getattr(config, "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", None) == "ml_metadata.MetadataStoreClientConfig"


def _read_file(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigurationError(f"{what}: cannot read {path}: {exc.strerror}") from exc


class _Settings:
    """Where the server is and how to reach it."""

    def __init__(self, config: Any) -> None:
        self.timeout: float | None = None
        self.options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", MESSAGE_LIMIT),
            ("grpc.max_send_message_length", MESSAGE_LIMIT),
        ]
        self.tls: tuple[bytes | None, bytes | None, bytes | None] | None = None
        if isinstance(config, str):
            self._from_url(config)
        else:
            self._from_client_config(config)

    def _from_url(self, text: str) -> None:
        parts = urllib.parse.urlsplit(text)
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigurationError(f"Invalid server URL {text!r}: {exc}") from exc
        if not parts.hostname or port is None:
            raise ConfigurationError(
                f"Invalid server URL {text!r}: expected grpc://HOST:PORT or grpcs://HOST:PORT"
            )
        self.host = parts.hostname
        self.port = port
        query = dict(urllib.parse.parse_qsl(parts.query))
        unknown = sorted(set(query) - {"ca", "cert", "key", "timeout"})
        if unknown:
            raise ConfigurationError(
                f"Invalid server URL {text!r}: unknown parameter {unknown[0]!r} "
                "(known: ca, cert, key, timeout)"
            )
        if "timeout" in query:
            try:
                self.timeout = float(query["timeout"])
            except ValueError as exc:
                raise ConfigurationError(f"timeout: not a number of seconds in {text!r}") from exc
        if parts.scheme == "grpcs":
            ca = _read_file(query["ca"], "ca") if "ca" in query else None
            key = _read_file(query["key"], "key") if "key" in query else None
            cert = _read_file(query["cert"], "cert") if "cert" in query else None
            if (key is None) != (cert is None):
                raise ConfigurationError("cert and key go together in a grpcs:// URL")
            self.tls = (ca, key, cert)
        elif {"ca", "cert", "key"} & set(query):
            raise ConfigurationError("ca, cert and key need a grpcs:// URL")

    def _from_client_config(self, config: Any) -> None:
        if not config.host or not config.port:
            raise ConfigurationError("MetadataStoreClientConfig needs host and port")
        self.host = config.host
        self.port = int(config.port)
        if config.HasField("client_timeout_sec"):
            self.timeout = config.client_timeout_sec
        if config.HasField("channel_arguments"):
            args = config.channel_arguments
            if args.HasField("max_receive_message_length"):
                self.options[0] = (
                    "grpc.max_receive_message_length",
                    args.max_receive_message_length,
                )
            if args.HasField("http2_max_ping_strikes"):
                self.options.append(("grpc.http2.max_ping_strikes", args.http2_max_ping_strikes))
        if config.HasField("ssl_config"):
            ssl = config.ssl_config

            def field(name: str) -> bytes | None:
                return getattr(ssl, name).encode("ascii") if ssl.HasField(name) else None

            # As ml-metadata's client: server_cert is the client's certificate chain.
            self.tls = (field("custom_ca"), field("client_key"), field("server_cert"))

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'grpcs' if self.tls else 'grpc'}://{host}:{self.port}"

    def channel(self) -> Any:
        import grpc

        target = f"{self.host}:{self.port}"
        if self.tls is None:
            return grpc.insecure_channel(target, options=self.options)
        ca, key, cert = self.tls
        credentials = grpc.ssl_channel_credentials(ca, key, cert)
        return grpc.secure_channel(target, credentials, options=self.options)


def _filter_text(query: Any) -> str:
    if query is None or isinstance(query, str):
        return query or ""
    from lineage.query import format_filter

    return format_filter(query)


def _list_request(request: Any, list_options: Any) -> int | None:
    """Put ``list_options`` into ``request.options``; returns the limit (None: all)."""
    from lineage.store._listing import OrderByField, check_options

    if list_options is None:
        return None
    check_options(list_options)
    options = request.options
    options.max_result_size = PAGE
    options.order_by_field.is_asc = bool(getattr(list_options, "is_asc", True))
    order = getattr(list_options, "order_by", None)
    if order is not None:
        value = order.value if isinstance(order, OrderByField) else getattr(order, "value", order)
        options.order_by_field.field = int(value)
    text = _filter_text(getattr(list_options, "filter_query", None))
    if text:
        options.filter_query = text
    return getattr(list_options, "limit", None) or None


def _error(message: str, code: int, exc: Any) -> StatusError:
    """The exception of a failed RPC: the server's lineage error class when it sent one."""
    import json

    from lineage import errors

    trailers = dict(exc.trailing_metadata() or ()) if hasattr(exc, "trailing_metadata") else {}
    cls = getattr(errors, str(trailers.get("lineage-error", "")), None)
    base = errors.exception_type_from_error_code(code)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        return make_exception(message, code)
    try:
        detail = json.loads(trailers.get("lineage-error-detail-bin", b"{}"))
    except ValueError:
        detail = {}
    if issubclass(cls, errors.DependentsError):
        return cls(message, tuple(detail.get("dependents") or ()), code)
    if issubclass(cls, errors.FilterQueryError):
        return cls(message, code, int(detail.get("position") or 0))
    return cls(message, code)


class RemoteMetadataStore(MetadataStore):
    """A ``MetadataStore`` whose every call is an RPC to a server (see the module docstring).

    Args:
        config: ``grpc://HOST:PORT``, ``grpcs://HOST:PORT[?ca=FILE&cert=FILE&key=FILE]`` or an
            ``ml_metadata`` ``MetadataStoreClientConfig`` (host, port, ``ssl_config``,
            ``channel_arguments``, ``client_timeout_sec``).
        enable_upgrade_migration: Ignored: the server's own flag decides.

    Raises:
        ConfigurationError: The URL or config is malformed.
        ConnectionFailedError: The server does not answer.
    """

    def __init__(self, config: Any, enable_upgrade_migration: bool = False) -> None:
        self._settings = _Settings(config)
        self._max_num_retries = 5
        self._token = os.environ.get(TOKEN_ENV) or None
        self._stubs: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._channel = self._settings.channel()
        self._info: Any = None
        self._mlmd_only = False
        try:
            self._info = self._store_info()
        except UnimplementedError:
            self._mlmd_only = True  # ml-metadata's own server: MLMD calls only
        except StatusError as exc:
            if exc.error_code == _UNAVAILABLE:
                self._channel.close()
                raise ConnectionFailedError(
                    f"cannot reach the metadata server {self.url}: {exc.message}"
                ) from exc
            # Anything else (a deadline, a tiny message limit) is the calls' business, as in
            # ml-metadata's client, which contacts the server only when called.

    # -- plumbing ---------------------------------------------------------------------------

    def _stub(self, path: str, response: Any) -> Any:
        stub = self._stubs.get(path)
        if stub is None:
            with self._lock:
                stub = self._channel.unary_unary(
                    path,
                    request_serializer=lambda m: m.SerializeToString(),
                    response_deserializer=response.FromString,
                )
                self._stubs[path] = stub
        return stub

    def _rpc(self, method: str, request: Any, service: str = MLMD) -> Any:
        import grpc

        from lineage.proto import lineage_service_pb2, metadata_store_service_pb2

        module: Any = metadata_store_service_pb2 if service == MLMD else lineage_service_pb2
        stub = self._stub(f"/{service}/{method}", getattr(module, method + "Response"))
        metadata = (("authorization", f"Bearer {self._token}"),) if self._token else None
        read = method.startswith("Get") or method in ("Walk", "StoreInfo")
        attempts = max(1, self._max_num_retries)
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                return stub(request, timeout=self._settings.timeout, metadata=metadata)
            except grpc.RpcError as exc:
                code = exc.code().value[0]
                details = exc.details() or exc.code().name
                retry = code == _ABORTED or (read and code == _UNAVAILABLE)
                if not retry or attempt >= attempts:
                    raise _error(details, code, exc) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _lineage(self, method: str, request: Any) -> Any:
        if self._mlmd_only:
            raise UnimplementedError(
                f"{self.url} serves ml-metadata's service only (Google's metadata_store_server?); "
                f"{method} needs lineage serve"
            )
        return self._rpc(method, request, LINEAGE)

    def _store_info(self) -> Any:
        return self._rpc("StoreInfo", self._info_request(), LINEAGE)

    def _fresh_info(self) -> Any:
        """The server's StoreInfo, asked now (the store changes under other clients)."""
        self._info = self._lineage("StoreInfo", self._info_request())
        return self._info

    def _known_info(self) -> Any:
        """StoreInfo as asked at connection (None behind ml-metadata's own server)."""
        if self._info is None and not self._mlmd_only:
            self._fresh_info()
        return self._info

    @staticmethod
    def _info_request() -> Any:
        from lineage.proto import lineage_service_pb2 as ls

        return ls.StoreInfoRequest()

    def _paged(self, method: str, field: str, request: Any, list_options: Any) -> list[Any]:
        """Every node of a listing, a page at a time (as ml-metadata's client pages)."""
        limit = _list_request(request, list_options)
        out: list[Any] = []
        while True:
            if limit is not None:
                request.options.max_result_size = min(PAGE, limit - len(out))
            response = self._rpc(method, request)
            out.extend(getattr(response, field))
            if (limit is not None and len(out) >= limit) or not response.next_page_token:
                return out
            request.options.next_page_token = response.next_page_token

    @staticmethod
    def _svc() -> Any:
        from lineage.proto import metadata_store_service_pb2

        return metadata_store_service_pb2

    # -- the store --------------------------------------------------------------------------

    @property
    def is_remote(self) -> bool:
        """True: every call goes to a server."""
        return True

    @property
    def dialect(self) -> str:
        """The server database's dialect ('unknown' behind ml-metadata's own server)."""
        info = self._known_info()
        return info.dialect if info is not None else "unknown"

    @property
    def url(self) -> str:
        """The server, as ``grpc://host:port`` (the database it serves: :attr:`server_url`)."""
        return self._settings.display

    @property
    def server_url(self) -> str:
        """The database the server serves, without a password ('' behind ml-metadata's)."""
        info = self._known_info()
        return info.url if info is not None else ""

    @property
    def read_only(self) -> bool:
        """Whether this client may only read (a read-only server or token)."""
        info = self._known_info()
        return bool(info is not None and info.read_only)

    def counts(self) -> dict[str, int]:
        """How many types, artifacts, executions, contexts and events the server's store holds."""
        return dict(self._fresh_info().counts)

    def link_indexes(self) -> dict[str, bool]:
        """The opt-in link indexes and whether the server's database has them."""
        from lineage.store._indexes import LINK_INDEXES

        present = set(self._fresh_info().link_indexes)
        return {i.name: i.name in present for i in LINK_INDEXES}

    def get_schema_version(self) -> int:
        """The MLMD schema version of the server's database."""
        return int(self._fresh_info().schema_version)

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def __repr__(self) -> str:
        return f"MetadataStore({self.url!r})"

    @contextmanager
    def transaction(self, locks: Iterable[str] = ()) -> Iterator[None]:
        """Not available remotely: each RPC is its own transaction on the server."""
        raise UnimplementedError(
            "a transaction cannot span several calls to a metadata server; each call is one "
            "transaction (lineage.erasure.apply runs on the server in one)"
        )
        yield  # pragma: no cover

    # -- types ------------------------------------------------------------------------------

    def _rput_type(
        self, method: str, field: str, cls: Any, value: Any, add: bool, omit: bool
    ) -> int:
        message = as_message(value, cls, field)
        request = getattr(self._svc(), method + "Request")(can_add_fields=add, can_omit_fields=omit)
        getattr(request, field).CopyFrom(message)
        return int(self._rpc(method, request).type_id)

    def put_artifact_type(
        self,
        artifact_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert or update an artifact type; returns its id."""
        return self._rput_type(
            "PutArtifactType",
            "artifact_type",
            pb.ArtifactType,
            artifact_type,
            can_add_fields,
            can_omit_fields,
        )

    def put_execution_type(
        self,
        execution_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert or update an execution type; returns its id."""
        return self._rput_type(
            "PutExecutionType",
            "execution_type",
            pb.ExecutionType,
            execution_type,
            can_add_fields,
            can_omit_fields,
        )

    def put_context_type(
        self,
        context_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert or update a context type; returns its id."""
        return self._rput_type(
            "PutContextType",
            "context_type",
            pb.ContextType,
            context_type,
            can_add_fields,
            can_omit_fields,
        )

    def put_types(
        self,
        artifact_types: Sequence[Any] = (),
        execution_types: Sequence[Any] = (),
        context_types: Sequence[Any] = (),
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
    ) -> tuple[list[int], list[int], list[int]]:
        """Insert or update several types in one transaction."""
        request = self._svc().PutTypesRequest(
            artifact_types=as_messages(artifact_types, pb.ArtifactType, "artifact_types"),
            execution_types=as_messages(execution_types, pb.ExecutionType, "execution_types"),
            context_types=as_messages(context_types, pb.ContextType, "context_types"),
            can_add_fields=can_add_fields,
            can_omit_fields=can_omit_fields,
        )
        r = self._rpc("PutTypes", request)
        return list(r.artifact_type_ids), list(r.execution_type_ids), list(r.context_type_ids)

    def _rget_type(self, kind: str, type_name: str, type_version: str | None) -> Any:
        name = _KINDS[kind]
        request = getattr(self._svc(), f"Get{name}TypeRequest")(type_name=type_name)
        if type_version:
            request.type_version = type_version
        return getattr(self._rpc(f"Get{name}Type", request), f"{kind}_type")

    def get_artifact_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The artifact type of that name (and version). Raises NotFoundError."""
        return self._rget_type("artifact", type_name, type_version)

    def get_execution_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The execution type of that name (and version). Raises NotFoundError."""
        return self._rget_type("execution", type_name, type_version)

    def get_context_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The context type of that name (and version). Raises NotFoundError."""
        return self._rget_type("context", type_name, type_version)

    def _types(self, kind: str, how: str = "", **fields: Any) -> list[Any]:
        name = _KINDS[kind]
        method = f"Get{name}Types{how}"
        response = self._rpc(method, getattr(self._svc(), method + "Request")(**fields))
        return list(getattr(response, f"{kind}_types"))

    def get_artifact_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every artifact type."""
        return self._types("artifact")

    def get_execution_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every execution type."""
        return self._types("execution")

    def get_context_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every context type."""
        return self._types("context")

    def get_artifact_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifact types by id (unknown ids are left out)."""
        return self._types("artifact", "ByID", type_ids=as_ints(type_ids, "type_ids"))

    def get_execution_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Execution types by id (unknown ids are left out)."""
        return self._types("execution", "ByID", type_ids=as_ints(type_ids, "type_ids"))

    def get_context_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Context types by id (unknown ids are left out)."""
        return self._types("context", "ByID", type_ids=as_ints(type_ids, "type_ids"))

    def get_artifact_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifact types by external id."""
        return self._types("artifact", "ByExternalIds", external_ids=list(external_ids))

    def get_execution_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Execution types by external id."""
        return self._types("execution", "ByExternalIds", external_ids=list(external_ids))

    def get_context_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Context types by external id."""
        return self._types("context", "ByExternalIds", external_ids=list(external_ids))

    # -- nodes ------------------------------------------------------------------------------

    def _rput(
        self,
        kind: str,
        values: Sequence[Any],
        mask: Sequence[str] | None,
        abort_if_changed: bool = False,
    ) -> list[int]:
        name = _KINDS[kind]
        field = f"{kind}s"
        cls = getattr(pb, name)
        request = getattr(self._svc(), f"Put{name}sRequest")()
        getattr(request, field).extend(as_messages(values, cls, field))
        if mask:
            request.update_mask.paths.extend(mask)
        if abort_if_changed:
            request.options.abort_if_latest_updated_time_changed = True
        return list(getattr(self._rpc(f"Put{name}s", request), f"{kind}_ids"))

    def put_artifacts(
        self,
        artifacts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
        *,
        abort_if_latest_updated_time_changed: bool = False,
    ) -> list[int]:
        """Insert or update artifacts; returns their ids."""
        return self._rput(
            "artifact", artifacts, field_mask_paths, abort_if_latest_updated_time_changed
        )

    def put_executions(
        self,
        executions: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[int]:
        """Insert or update executions; returns their ids."""
        return self._rput("execution", executions, field_mask_paths)

    def put_contexts(
        self,
        contexts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[int]:
        """Insert or update contexts; returns their ids."""
        return self._rput("context", contexts, field_mask_paths)

    def _listed(self, kind: str, list_options: Any, how: str = "", **fields: Any) -> list[Any]:
        name = _KINDS[kind]
        method = f"Get{name}s{how}"
        request = getattr(self._svc(), method + "Request")(**fields)
        return self._paged(method, f"{kind}s", request, list_options)

    def get_artifacts(
        self, list_options: Any = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts, filtered, ordered and limited by ``list_options``."""
        return self._listed("artifact", list_options)

    def get_executions(
        self, list_options: Any = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions, filtered, ordered and limited by ``list_options``."""
        return self._listed("execution", list_options)

    def get_contexts(
        self, list_options: Any = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts, filtered, ordered and limited by ``list_options``."""
        return self._listed("context", list_options)

    def get_artifacts_by_context(
        self,
        context_id: int,
        list_options: Any = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Artifacts attributed to the context."""
        return self._listed("artifact", list_options, "ByContext", context_id=context_id)

    def get_executions_by_context(
        self,
        context_id: int,
        list_options: Any = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Executions associated with the context."""
        return self._listed("execution", list_options, "ByContext", context_id=context_id)

    def get_page(
        self,
        kind: str,
        options: Any = None,
        *,
        context_id: int | None = None,
        type_id: int | None = None,
    ) -> Page:
        """One page of a listing, as the server's paged RPCs return it."""
        if kind not in _KINDS:
            raise InvalidArgumentError(
                f"kind must be 'artifact', 'execution' or 'context', got {kind!r}"
            )
        name = _KINDS[kind]
        svc = self._svc()
        if context_id is not None and type_id is not None:
            raise InvalidArgumentError("get_page takes context_id or type_id, not both")
        if context_id is not None:
            method = f"Get{name}sByContext"
            request = getattr(svc, method + "Request")(context_id=context_id)
        elif type_id is not None:
            found = self._types(kind, "ByID", type_ids=[type_id])
            if not found:
                return Page([], "")
            method = f"Get{name}sByType"
            request = getattr(svc, method + "Request")(type_name=found[0].name)
            if found[0].HasField("version"):
                request.type_version = found[0].version
        else:
            method = f"Get{name}s"
            request = getattr(svc, method + "Request")()
        if options is not None:
            request.options.CopyFrom(options)
        response = self._rpc(method, request)
        return Page(list(getattr(response, f"{kind}s")), response.next_page_token)

    def _by_id(self, kind: str, ids: Iterable[int], **fields: Any) -> Any:
        name = _KINDS[kind]
        method = f"Get{name}sByID"
        key = f"{kind}_ids"
        request = getattr(self._svc(), method + "Request")(**{key: as_ints(ids, key)}, **fields)
        return self._rpc(method, request)

    def get_artifacts_by_id(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts by id (unknown ids are left out)."""
        return list(self._by_id("artifact", artifact_ids).artifacts)

    def get_artifacts_and_types_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Artifacts by id and their types."""
        r = self._by_id("artifact", artifact_ids, populate_artifact_types=True)
        return list(r.artifacts), list(r.artifact_types)

    def get_executions_by_id(
        self, execution_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions by id (unknown ids are left out)."""
        return list(self._by_id("execution", execution_ids).executions)

    def get_contexts_by_id(
        self, context_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts by id (unknown ids are left out)."""
        return list(self._by_id("context", context_ids).contexts)

    def _rby_type(self, kind: str, type_name: str, type_version: str | None) -> list[Any]:
        name = _KINDS[kind]
        method = f"Get{name}sByType"
        request = getattr(self._svc(), method + "Request")(type_name=type_name)
        if type_version:
            request.type_version = type_version
        return list(getattr(self._rpc(method, request), f"{kind}s"))

    def get_artifacts_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Artifacts of a type (none when the type does not exist)."""
        return self._rby_type("artifact", type_name, type_version)

    def get_executions_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Executions of a type (none when the type does not exist)."""
        return self._rby_type("execution", type_name, type_version)

    def get_contexts_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Contexts of a type (none when the type does not exist)."""
        return self._rby_type("context", type_name, type_version)

    def _by_name(self, kind: str, type_name: str, node_name: str, version: str | None) -> Any:
        name = _KINDS[kind]
        method = f"Get{name}ByTypeAndName"
        request = getattr(self._svc(), method + "Request")(
            type_name=type_name, **{f"{kind}_name": node_name}
        )
        if version:
            request.type_version = version
        response = self._rpc(method, request)
        return getattr(response, kind) if response.HasField(kind) else None

    def get_artifact_by_type_and_name(
        self,
        type_name: str,
        artifact_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The artifact of that type and name, or None."""
        return self._by_name("artifact", type_name, artifact_name, type_version)

    def get_execution_by_type_and_name(
        self,
        type_name: str,
        execution_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The execution of that type and name, or None."""
        return self._by_name("execution", type_name, execution_name, type_version)

    def get_context_by_type_and_name(
        self,
        type_name: str,
        context_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The context of that type and name, or None."""
        return self._by_name("context", type_name, context_name, type_version)

    def get_artifacts_by_uri(
        self, uri: str, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts whose URI equals ``uri``."""
        if not isinstance(uri, str):
            raise InvalidArgumentError(f"uri must be a string, got {uri!r}")
        request = self._svc().GetArtifactsByURIRequest(uris=[uri])
        return list(self._rpc("GetArtifactsByURI", request).artifacts)

    def _rby_external(self, kind: str, external_ids: Iterable[str]) -> list[Any]:
        name = _KINDS[kind]
        method = f"Get{name}sByExternalIds"
        request = getattr(self._svc(), method + "Request")(
            external_ids=[str(e) for e in external_ids]
        )
        return list(getattr(self._rpc(method, request), f"{kind}s"))

    def get_artifacts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts by external id. Raises NotFoundError when none matches."""
        return self._rby_external("artifact", external_ids)

    def get_executions_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions by external id. Raises NotFoundError when none matches."""
        return self._rby_external("execution", external_ids)

    def get_contexts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts by external id. Raises NotFoundError when none matches."""
        return self._rby_external("context", external_ids)

    # -- edges, contexts and lineage --------------------------------------------------------

    def put_events(self, events: Sequence[Any], extra_options: ExtraOptions | None = None) -> None:
        """Insert events."""
        request = self._svc().PutEventsRequest(events=as_messages(events, pb.Event, "events"))
        self._rpc("PutEvents", request)

    def put_execution(
        self,
        execution: Any,
        artifact_and_events: Sequence[tuple[Any, ...]],
        contexts: Sequence[Any] | None,
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        force_reuse_context: bool = False,
        force_update_time: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[int, list[int], list[int]]:
        """Record an execution with its artifacts, events and contexts in one transaction."""
        svc = self._svc()
        request = svc.PutExecutionRequest(
            execution=as_message(execution, pb.Execution, "execution"),
            contexts=as_messages(contexts or (), pb.Context, "contexts"),
        )
        for i, pair in enumerate(artifact_and_events or ()):
            if not pair:
                raise InvalidArgumentError(f"artifact_and_events[{i}] is empty")
            added = request.artifact_event_pairs.add()
            artifact = pair[0]
            event = pair[1] if len(pair) == 2 else None
            if artifact is not None:
                added.artifact.CopyFrom(
                    as_message(artifact, pb.Artifact, f"artifact_and_events[{i}][0]")
                )
            if event is not None:
                added.event.CopyFrom(as_message(event, pb.Event, f"artifact_and_events[{i}][1]"))
        o = request.options
        o.reuse_context_if_already_exist = reuse_context_if_already_exist
        o.reuse_artifact_if_already_exist_by_external_id = (
            reuse_artifact_if_already_exist_by_external_id
        )
        o.force_reuse_context = force_reuse_context
        o.force_update_time = force_update_time
        r = self._rpc("PutExecution", request)
        return int(r.execution_id), list(r.artifact_ids), list(r.context_ids)

    def put_lineage_subgraph(
        self,
        executions: Sequence[Any],
        artifacts: Sequence[Any],
        contexts: Sequence[Any],
        event_edges: Sequence[tuple[int | None, int | None, Any]],
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[list[int], list[int], list[int]]:
        """Record executions, artifacts, contexts and the events between them at once."""
        request = self._svc().PutLineageSubgraphRequest(
            executions=as_messages(executions, pb.Execution, "executions"),
            artifacts=as_messages(artifacts, pb.Artifact, "artifacts"),
            contexts=as_messages(contexts, pb.Context, "contexts"),
        )
        for i, edge in enumerate(event_edges):
            if len(edge) != 3:
                raise InvalidArgumentError(
                    f"event_edges[{i}] must be (execution_index, artifact_index, event)"
                )
            execution_index, artifact_index, event = edge
            added = request.event_edges.add()
            if execution_index is not None:
                added.execution_index = execution_index
            if artifact_index is not None:
                added.artifact_index = artifact_index
            if event is not None:
                added.event.CopyFrom(as_message(event, pb.Event, f"event_edges[{i}][2]"))
        o = request.options
        o.reuse_context_if_already_exist = reuse_context_if_already_exist
        o.reuse_artifact_if_already_exist_by_external_id = (
            reuse_artifact_if_already_exist_by_external_id
        )
        r = self._rpc("PutLineageSubgraph", request)
        return list(r.execution_ids), list(r.artifact_ids), list(r.context_ids)

    def put_attributions_and_associations(
        self,
        attributions: Sequence[Any],
        associations: Sequence[Any],
        extra_options: ExtraOptions | None = None,
    ) -> None:
        """Link artifacts and executions to contexts."""
        request = self._svc().PutAttributionsAndAssociationsRequest(
            attributions=as_messages(attributions, pb.Attribution, "attributions"),
            associations=as_messages(associations, pb.Association, "associations"),
        )
        self._rpc("PutAttributionsAndAssociations", request)

    def put_parent_contexts(
        self, parent_contexts: Sequence[Any], extra_options: ExtraOptions | None = None
    ) -> None:
        """Link contexts to parent contexts."""
        request = self._svc().PutParentContextsRequest(
            parent_contexts=as_messages(parent_contexts, pb.ParentContext, "parent_contexts")
        )
        self._rpc("PutParentContexts", request)

    def get_events_by_execution_ids(
        self, execution_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of the executions."""
        request = self._svc().GetEventsByExecutionIDsRequest(
            execution_ids=as_ints(execution_ids, "execution_ids")
        )
        return list(self._rpc("GetEventsByExecutionIDs", request).events)

    def get_events_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of the artifacts."""
        request = self._svc().GetEventsByArtifactIDsRequest(
            artifact_ids=as_ints(artifact_ids, "artifact_ids")
        )
        return list(self._rpc("GetEventsByArtifactIDs", request).events)

    def get_contexts_by_artifact(
        self, artifact_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts the artifact is attributed to."""
        request = self._svc().GetContextsByArtifactRequest(artifact_id=artifact_id)
        return list(self._rpc("GetContextsByArtifact", request).contexts)

    def get_contexts_by_execution(
        self, execution_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts the execution is associated with."""
        request = self._svc().GetContextsByExecutionRequest(execution_id=execution_id)
        return list(self._rpc("GetContextsByExecution", request).contexts)

    def get_parent_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Parents of a context."""
        request = self._svc().GetParentContextsByContextRequest(context_id=context_id)
        return list(self._rpc("GetParentContextsByContext", request).contexts)

    def get_children_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Children of a context."""
        request = self._svc().GetChildrenContextsByContextRequest(context_id=context_id)
        return list(self._rpc("GetChildrenContextsByContext", request).contexts)

    def get_parent_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Parents of many contexts at once: context id → parents."""
        ids = as_ints(context_ids, "context_ids")
        request = self._svc().GetParentContextsByContextsRequest(context_ids=ids)
        found = self._rpc("GetParentContextsByContexts", request).contexts
        return {i: list(found[i].parent_contexts) if i in found else [] for i in ids}

    def get_children_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Children of many contexts at once: context id → children."""
        ids = as_ints(context_ids, "context_ids")
        request = self._svc().GetChildrenContextsByContextsRequest(context_ids=ids)
        found = self._rpc("GetChildrenContextsByContexts", request).contexts
        return {i: list(found[i].children_contexts) if i in found else [] for i in ids}

    def get_lineage_subgraph(
        self,
        query_options: Any,
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The lineage subgraph around the starting nodes (one traversal on the server)."""
        request = self._svc().GetLineageSubgraphRequest(
            lineage_subgraph_query_options=as_message(
                query_options, pb.LineageSubgraphQueryOptions, "query_options"
            )
        )
        if field_mask_paths:
            request.read_mask.paths.extend(field_mask_paths)
        return self._rpc("GetLineageSubgraph", request).lineage_subgraph

    # -- beyond MLMD: lineage.LineageService ------------------------------------------------

    def walk(
        self,
        artifacts: Iterable[int] = (),
        executions: Iterable[int] = (),
        *,
        direction: str = "upstream",
        max_hops: int | None = None,
        stop_artifacts: Any = None,
        stop_executions: Any = None,
        include_stop: bool = True,
        where_artifacts: Any = None,
        where_executions: Any = None,
        as_of: int | None = None,
        limit: int | None = None,
        hydrate: bool = True,
        fields: Sequence[str] = (),
    ) -> Walk:
        """A lineage walk, run on the server in one statement (see ``MetadataStore.walk``)."""
        from lineage.proto import lineage_service_pb2 as ls

        request = ls.WalkRequest(
            artifacts=as_ints(artifacts, "artifacts"),
            executions=as_ints(executions, "executions"),
            direction=direction,
            stop_artifacts=_filter_text(stop_artifacts),
            stop_executions=_filter_text(stop_executions),
            include_stop=include_stop,
            where_artifacts=_filter_text(where_artifacts),
            where_executions=_filter_text(where_executions),
            hydrate=hydrate,
            fields=list(fields),
        )
        for name, value in (("max_hops", max_hops), ("as_of", as_of), ("limit", limit)):
            if value is not None:
                setattr(request, name, value)
        r = self._lineage("Walk", request)
        return Walk(
            artifacts=dict(r.artifacts),
            executions=dict(r.executions),
            events=tuple(
                (
                    e.artifact_id,
                    e.execution_id,
                    e.type,
                    e.milliseconds_since_epoch if e.HasField("milliseconds_since_epoch") else None,
                    e.event_id,
                )
                for e in r.events
            ),
            graph=r.graph if r.has_graph else None,
            truncated=r.truncated,
            total_artifacts=r.total_artifacts,
            total_executions=r.total_executions,
            start_artifacts=tuple(r.start_artifacts),
            start_executions=tuple(r.start_executions),
            stopped_at=frozenset(r.stopped_at),
        )

    def _rdelete(
        self, target: str, ids: Iterable[int], cascade: bool, detach: bool = False
    ) -> Deleted:
        from lineage.proto import lineage_service_pb2 as ls

        request = ls.DeleteRequest(
            target=getattr(ls.DeleteRequest, target),
            ids=as_ints(ids, "ids"),
            cascade=cascade,
            detach=detach,
        )
        r = self._lineage("Delete", request)
        return Deleted(
            artifacts=tuple(r.artifacts),
            executions=tuple(r.executions),
            contexts=tuple(r.contexts),
            events=r.events,
            types=tuple(r.types),
            details=dict(r.details),
        )

    def delete_artifacts(
        self, artifact_ids: Iterable[int], cascade: bool = False, detach: bool = False
    ) -> Deleted:
        """Delete artifacts on the server (see ``MetadataStore.delete_artifacts``)."""
        return self._rdelete("ARTIFACTS", artifact_ids, cascade, detach)

    def delete_executions(self, execution_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete executions on the server."""
        return self._rdelete("EXECUTIONS", execution_ids, cascade)

    def delete_contexts(self, context_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete contexts on the server."""
        return self._rdelete("CONTEXTS", context_ids, cascade)

    def delete_artifact_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete artifact types on the server."""
        return self._rdelete("ARTIFACT_TYPES", type_ids, cascade)

    def delete_execution_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete execution types on the server."""
        return self._rdelete("EXECUTION_TYPES", type_ids, cascade)

    def delete_context_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete context types on the server."""
        return self._rdelete("CONTEXT_TYPES", type_ids, cascade)

    def tombstone_artifacts(
        self,
        artifact_ids: Iterable[int],
        *,
        scrub_names: Iterable[int] = (),
        marker: Mapping[str, Any] | None = None,
        keep: Mapping[int, Iterable[str]] | None = None,
    ) -> dict[int, str]:
        """Tombstone artifacts on the server (see ``MetadataStore.tombstone_artifacts``)."""
        from lineage.proto import lineage_service_pb2 as ls

        request = ls.TombstoneArtifactsRequest(
            artifact_ids=as_ints(artifact_ids, "artifact_ids"),
            scrub_names=as_ints(scrub_names, "scrub_names"),
        )
        for name, value in (marker or {}).items():
            request.marker[name].CopyFrom(as_message(value, pb.Value, f"marker[{name!r}]"))
        for artifact_id, names in (keep or {}).items():
            request.keep[int(artifact_id)].names.extend(str(n) for n in names)
        return dict(self._lineage("TombstoneArtifacts", request).removed)

    def clear_names(self, *, executions: Iterable[int] = (), contexts: Iterable[int] = ()) -> None:
        """Clear names on the server (see ``MetadataStore.clear_names``)."""
        from lineage.proto import lineage_service_pb2 as ls

        request = ls.ClearNamesRequest(
            executions=as_ints(executions, "executions"), contexts=as_ints(contexts, "contexts")
        )
        self._lineage("ClearNames", request)

    def compact(self) -> None:
        """Compact the server's database (see ``MetadataStore.compact``)."""
        from lineage.proto import lineage_service_pb2 as ls

        self._lineage("Compact", ls.CompactRequest())

    def apply_erasure(self, plan_json: str, applied_by: str | None, compact: bool) -> bool:
        """Apply an erasure plan on the server in one transaction; True if it was done before."""
        from lineage.proto import lineage_service_pb2 as ls

        request = ls.ApplyErasureRequest(
            plan_json=plan_json, applied_by=applied_by or "", compact=compact
        )
        return bool(self._lineage("ApplyErasure", request).already_applied)


# ``MetadataStore.put_artifacts(remote_store, ...)`` runs the remote method (see _unbound).
_unbound.dispatch_through_class(MetadataStore, RemoteMetadataStore)
