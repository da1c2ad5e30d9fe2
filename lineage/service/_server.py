"""The gRPC server: both services, health, reflection, TLS, waiting for the database, draining.

Built on grpcio's thread-pool server. Every RPC is registered through a generic handler made
from the service descriptors, so there is no generated ``_pb2_grpc`` module to keep in step.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lineage import errors
from lineage.service._core import Method, RpcFailure, Service, Tokens

__all__ = ["MESSAGE_LIMIT", "Server", "ServerOptions", "TlsFiles"]

_log = logging.getLogger("lineage.server")
T = TypeVar("T")
#: After the calls that arrived before SIGTERM have finished, the server goes on refusing new
#: ones (UNAVAILABLE) until none came for _QUIET seconds, for at most _LINGER seconds, so a
#: client that stops on UNAVAILABLE is not caught in its last call by grpcio's stop (CANCELLED).
_QUIET = 0.25
_LINGER = 1.0

#: Largest request or response (MLMD's server: 100 MiB).
MESSAGE_LIMIT = 100 * 1024 * 1024
#: Largest header block (``grpc.max_metadata_size``, as MLMD's server sets it).
METADATA_LIMIT = 16384


@dataclass(frozen=True)
class TlsFiles:
    """The server's TLS material (MLMD's ``MetadataStoreServerConfig.SSLConfig``).

    Each value is PEM text or the path of a PEM file; files are read again when they change,
    so a renewed certificate is used by new connections without a restart.
    """

    server_key: str
    server_cert: str
    custom_ca: str = ""
    client_verify: bool = False

    @staticmethod
    def _read(value: str) -> bytes:
        if value.lstrip().startswith("-----BEGIN"):
            return value.encode()
        try:
            return Path(value).read_bytes()
        except OSError as exc:
            raise errors.ConfigurationError(f"cannot read TLS file {value!r}: {exc}") from exc

    def stamp(self) -> tuple[float, ...]:
        """Modification times of the files (changes when one is replaced)."""
        out = []
        for value in (self.server_key, self.server_cert, self.custom_ca):
            if value and not value.lstrip().startswith("-----BEGIN"):
                try:
                    out.append(os.stat(value).st_mtime)
                except OSError:
                    out.append(-1.0)
        return tuple(out)

    def certificate_configuration(self) -> Any:
        import grpc

        ca = self._read(self.custom_ca) if self.custom_ca else None
        return grpc.ssl_server_certificate_configuration(
            [(self._read(self.server_key), self._read(self.server_cert))], root_certificates=ca
        )

    def credentials(self) -> Any:
        import grpc

        if self.client_verify and not self.custom_ca:
            raise errors.ConfigurationError(
                "ssl_config.client_verify needs ssl_config.custom_ca (the CA of client certs)"
            )
        seen = [self.stamp()]

        def fetch() -> Any:
            now = self.stamp()
            if now == seen[0]:
                return None
            try:
                config = self.certificate_configuration()
            except Exception as exc:  # a half-written file: keep the old certificate
                _log.warning("TLS files changed but cannot be loaded yet: %s", exc)
                return None
            seen[0] = now
            _log.info("TLS certificate reloaded")
            return config

        return grpc.dynamic_ssl_server_credentials(
            self.certificate_configuration(), fetch, self.client_verify
        )


@dataclass
class ServerOptions:
    """How to run the server.

    Attributes:
        db: Where the store is: a ``ConnectionConfig``, URL or SQLite path.
        host: The address to bind ('127.0.0.1' by default; '[::]' binds every interface).
        port: The gRPC port (0 picks a free one).
        grpc_web_port: Also serve grpc-web (HTTP/1.1) on this port; None for no grpc-web.
        upgrade: Upgrade an older schema in place (``--enable_database_upgrade``).
        read_only: Refuse every write.
        tokens: Bearer tokens, or None for no token check.
        tls: TLS material, or None for plaintext.
        channel_args: Extra grpc server options.
        workers: RPCs served at once (threads; also the database connections).
        grace: Seconds in-flight calls get to finish on SIGTERM.
        connect_timeout: Give up waiting for the database after this many seconds (None: wait).
    """

    db: Any
    host: str = "127.0.0.1"
    port: int = 8080
    grpc_web_port: int | None = None
    upgrade: bool = False
    read_only: bool = False
    tokens: Tokens | None = None
    tls: TlsFiles | None = None
    channel_args: Sequence[tuple[str, Any]] = field(default_factory=list)
    workers: int = 16
    grace: float = 30.0
    connect_timeout: float | None = None


_CODES: dict[int, Any] = {}


def _status(code: int) -> Any:
    import grpc

    if not _CODES:
        _CODES.update({c.value[0]: c for c in grpc.StatusCode})
    return _CODES.get(code, grpc.StatusCode.UNKNOWN)


def _behavior(service: Service, method: Method, accepted: bool) -> Callable[[Any, Any], Any]:
    def run(request: Any, context: Any) -> Any:
        try:
            return service.call(
                method, request, context.invocation_metadata(), context.peer(), accepted
            )
        except RpcFailure as failure:
            trailers = failure.trailers()
            if trailers:
                context.set_trailing_metadata(trailers)
            context.abort(_status(failure.code), failure.message)

    return run


def _dispatcher(service: Service) -> Any:
    """The generic handler of both services: each call's handler, chosen when the call arrives.

    grpcio looks handlers up on its polling thread, in the order calls arrive, before a call
    waits for an RPC thread. A call that arrives before the service drains gets the serving
    handler and is served to the end, even if it still waits in the queue when SIGTERM comes; one
    that arrives after gets the refusing one (UNAVAILABLE, "shutting down"). grpcio's own
    shutdown would instead cancel the calls it has received but not handed out (CANCELLED,
    which clients do not retry).
    """
    import grpc

    def handler(method: Method, accepted: bool) -> Any:
        # No request_deserializer: the handler gets the bytes and Service.call decodes them,
        # so a malformed request is INVALID_ARGUMENT (grpcio's own decoding says INTERNAL).
        return grpc.unary_unary_rpc_method_handler(
            _behavior(service, method, accepted),
            response_serializer=method.response.SerializeToString,
        )

    table = {
        path: (handler(method, True), handler(method, False))
        for path, method in service.methods.items()
    }

    class Dispatch(grpc.GenericRpcHandler):  # type: ignore[misc]
        def service(self, details: Any) -> Any:
            found = table.get(details.method)
            if found is None:
                return None
            return found[1] if service.draining else found[0]

    return Dispatch()


class _Pool(futures.ThreadPoolExecutor):
    """The RPC threads; knows the work not finished yet (what a drain waits for)."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="rpc")
        self._pending: set[futures.Future[Any]] = set()
        self._pending_lock = threading.Lock()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> futures.Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: futures.Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    def pending(self) -> list[futures.Future[Any]]:
        with self._pending_lock:
            return list(self._pending)


class Server:
    """``lineage serve``: start, wait for SIGTERM or :meth:`stop`, drain.

    Example (a server on a free loopback port)::

        server = Server(ServerOptions(db="lineage.db", port=0))
        server.start()
        print(server.port)
        server.stop()
    """

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.service = Service(read_only=options.read_only, tokens=options.tokens)
        self.port = 0
        self.grpc_web_port: int | None = None
        self._grpc: Any = None
        self._health: Any = None
        self._web: Any = None
        self._pool: _Pool | None = None
        self._stopped = threading.Event()
        self._connector: threading.Thread | None = None
        self.failure: BaseException | None = None

    @property
    def names(self) -> list[str]:
        return sorted({m.service for m in self.service.methods.values()})

    def start(self) -> int:
        """Bind the ports and start serving (health NOT_SERVING until the database answers)."""
        import grpc
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc
        from grpc_reflection.v1alpha import reflection

        o = self.options
        args: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", MESSAGE_LIMIT),
            ("grpc.max_send_message_length", MESSAGE_LIMIT),
            ("grpc.max_metadata_size", METADATA_LIMIT),
            ("grpc.so_reuseport", 0),
            *o.channel_args,
        ]
        pool = self._pool = _Pool(o.workers)
        server = grpc.server(pool, handlers=[_dispatcher(self.service)], options=args)
        self._health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        for name in ("", *self.names):
            self._health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        reflection.enable_server_reflection((*self.names, reflection.SERVICE_NAME), server)
        address = f"{o.host}:{o.port}"
        if o.tls is not None:
            self.port = server.add_secure_port(address, o.tls.credentials())
        else:
            self.port = server.add_insecure_port(address)
        if not self.port:
            raise errors.UnavailableError(f"cannot bind {address}")
        server.start()
        self._grpc = server
        if o.grpc_web_port is not None:
            from lineage.service._grpc_web import GrpcWebServer

            try:
                self._web = GrpcWebServer(self.service, o.host, o.grpc_web_port)
            except OSError as exc:
                server.stop(0)
                raise errors.UnavailableError(
                    f"cannot bind grpc-web on {o.host}:{o.grpc_web_port}: {exc}"
                ) from exc
            self._web.start()
            self.grpc_web_port = self._web.port
        self._connector = threading.Thread(target=self._connect, name="db-connect", daemon=True)
        self._connector.start()
        _log.info("serving %s on %s:%d", ", ".join(self.names), o.host, self.port)
        return self.port

    def _set_health(self, serving: bool) -> None:
        from grpc_health.v1 import health_pb2

        status = health_pb2.HealthCheckResponse
        for name in ("", *self.names):
            self._health.set(name, status.SERVING if serving else status.NOT_SERVING)

    def _connect(self) -> None:
        """Open the store, retrying with backoff while the database cannot be reached."""
        from lineage.store import MetadataStore

        delay = 0.25
        started = time.monotonic()
        while not self._stopped.is_set():
            try:
                store = MetadataStore(
                    self.options.db, enable_upgrade_migration=self.options.upgrade
                )
            except (errors.UnavailableError, errors.AbortedError) as exc:
                # ABORTED: e.g. a deadlock with another server creating the same schema.
                waited = time.monotonic() - started
                limit = self.options.connect_timeout
                if limit is not None and waited > limit:
                    self.failure = exc
                    _log.error("the database did not answer in %.0f s: %s", waited, exc)
                    self._stopped.set()
                    return
                _log.warning("waiting for the database (%.1f s so far): %s", waited, exc)
                self._stopped.wait(delay)
                delay = min(delay * 2, 5.0)
                continue
            except errors.LineageError as exc:  # schema version, configuration: not transient
                self.failure = exc
                _log.error("cannot serve this database: %s", exc)
                self._stopped.set()
                return
            self.service.attach(store)
            self._set_health(True)
            _log.info("database ready: %s", store.url)
            return

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the store is attached (True) or the server gave up or stopped (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.service.store is not None:
                return True
            if self._stopped.is_set():
                return False
            time.sleep(0.02)
        return False

    def stop(self, grace: float | None = None) -> None:
        """Stop taking calls, let in-flight ones finish for ``grace`` seconds, close the store."""
        if self._grpc is None:
            return
        grace = self.options.grace if grace is None else grace
        self._stopped.set()
        if self._health is not None:
            self._health.enter_graceful_shutdown()
        if self._web is not None:
            self._web.stop()
        # Calls that arrive from now on answer UNAVAILABLE; those that arrived before (running
        # or queued for a thread) get the grace to finish, then grpcio stops the rest.
        deadline = time.monotonic() + grace
        self.service.drain()
        if self._pool is not None:
            futures.wait(self._pool.pending(), timeout=grace)
        linger = min(deadline, time.monotonic() + _LINGER)
        while time.monotonic() < linger and time.monotonic() - self.service.refused < _QUIET:
            time.sleep(0.02)
        self._grpc.stop(max(0.0, deadline - time.monotonic())).wait()
        self._grpc = None
        store = self.service.store
        if store is not None:
            store.close()
        _log.info("stopped")

    def serve_forever(self) -> int:
        """Run until SIGTERM or SIGINT, then drain. Returns the exit code."""
        done = threading.Event()

        def on_signal(signum: int, _frame: Any) -> None:
            _log.info("signal %d: draining (grace %.0f s)", signum, self.options.grace)
            done.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        self.start()
        while not done.is_set() and not (self._stopped.is_set() and self.failure):
            done.wait(0.5)
        self.stop()
        return 1 if self.failure is not None else 0
