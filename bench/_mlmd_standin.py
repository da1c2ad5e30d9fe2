"""The nearest stand-in for Google's C++ ``metadata_store_server``: ml-metadata's C++ store behind
grpcio, requests and responses passed through as bytes.

Run as a script (``server_bench.py`` starts it)::

    python bench/_mlmd_standin.py --config CONFIG_B64 --mode per-rpc [--port 0] [--workers 32]

Every ``ml_metadata.MetadataStoreService`` method the pybind layer exposes is registered through
a generic handler with identity (bytes) serializers, so a request reaches the C++ store as the
client serialized it and the C++ store's response bytes go back unchanged. The store is
ml-metadata 1.17.1's own C++ implementation, called through its pybind layer
(``ml_metadata.metadata_store.pywrap.metadata_store_extension.metadata_store``) as
``ml_metadata.metadata_store.MetadataStore`` does in local mode: ``CreateMetadataStore(config
bytes, migration options bytes)`` returns a store object, ``<Method>(store, request bytes)``
returns ``(response bytes, error message, status code)``. This build has no
``DestroyMetadataStore``: a store (its database connection) is closed when the pybind object
is freed.

Two modes:

* ``per-rpc``: as the C++ server does (``MetadataStoreServiceImpl`` calls
  ``ConnectMetadataStore`` in every RPC), each call creates a store from the
  ``ConnectionConfig`` (connect, check the schema version), runs, and frees it. The pybind
  calls hold the GIL for their whole duration (measured: a second Python thread makes no
  progress during a call, and two threads calling at once take twice as long), so in one
  process calls could never overlap, not even while waiting for MariaDB, unlike the C++
  server's threads. The calls therefore run in a pool of ``--workers`` processes (one call at a
  time each; a gRPC thread hands a call to an idle process over a pipe and waits), which
  overlaps them as the C++ server's thread pool does; the hand-over costs a pipe round trip
  per call that the C++ server does not pay.
* ``shared``: one store created at start-up and used by every call. ml-metadata's C++
  ``MetadataStore`` is not thread-safe (it owns one database connection and one transaction
  state), so calls are serialized by a lock; in this process the GIL would serialize them
  anyway. No worker processes.

Health (``grpc.health.v1``) answers SERVING once the store has been opened once at start-up (the
C++ server also opens it once before serving, to create or check the schema).
"""

from __future__ import annotations

import argparse
import base64
import queue
import signal
import struct
import sys
import threading
from concurrent import futures
from typing import Any

SERVICE = "ml_metadata.MetadataStoreService"
UNAVAILABLE = 14


def method_names() -> list[str]:
    """The service's methods that ml-metadata's pybind layer implements."""
    from ml_metadata.metadata_store.pywrap.metadata_store_extension import metadata_store as ms
    from ml_metadata.proto import metadata_store_service_pb2 as spb

    service = spb.DESCRIPTOR.services_by_name["MetadataStoreService"]
    return [m.name for m in service.methods if hasattr(ms, m.name)]


def _create(ms: Any, config: bytes, migration: bytes) -> Any:
    return ms.CreateMetadataStore(config, migration)


def _worker(conn: Any, config: bytes, migration: bytes, names: list[str]) -> None:
    """A pool process: one call at a time, a fresh store per call."""
    from ml_metadata.metadata_store.pywrap.metadata_store_extension import metadata_store as ms

    methods = [getattr(ms, n) for n in names]
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        method = methods[message[0]]
        try:
            store = _create(ms, config, migration)
        except RuntimeError as exc:  # cannot connect: what ConnectMetadataStore returns
            err, code, response = str(exc).encode(), UNAVAILABLE, b""
        else:
            response, err, code = method(store, message[1:])
            del store  # closes its connection
        conn.send_bytes(struct.pack("<IQ", code, len(err)) + err + response)


class PerRpc:
    """Calls in a pool of processes, each creating a store per call."""

    def __init__(self, config: bytes, migration: bytes, names: list[str], workers: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}
        self.idle: queue.Queue[Any] = queue.Queue()
        self.processes = []
        for _ in range(workers):
            mine, theirs = ctx.Pipe()
            p = ctx.Process(target=_worker, args=(theirs, config, migration, names), daemon=True)
            p.start()
            theirs.close()
            self.processes.append(p)
            self.idle.put(mine)

    def call(self, name: str, request: bytes) -> tuple[bytes, bytes, int]:
        conn = self.idle.get()
        try:
            conn.send_bytes(bytes([self.index[name]]) + request)
            reply = conn.recv_bytes()
        finally:
            self.idle.put(conn)
        code, n = struct.unpack_from("<IQ", reply)
        return reply[12 + n :], reply[12 : 12 + n], code

    def close(self) -> None:
        for p in self.processes:
            p.terminate()


class Shared:
    """One store for every call, serialized by a lock."""

    def __init__(self, config: bytes, migration: bytes) -> None:
        from ml_metadata.metadata_store.pywrap.metadata_store_extension import metadata_store as ms

        self.ms = ms
        self.store = _create(ms, config, migration)
        self.lock = threading.Lock()

    def call(self, name: str, request: bytes) -> tuple[bytes, bytes, int]:
        method = getattr(self.ms, name)
        with self.lock:
            response, err, code = method(self.store, request)
        return response, err, code

    def close(self) -> None:
        self.store = None


def serve(config: bytes, mode: str, host: str, port: int, workers: int) -> int:
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    from ml_metadata.metadata_store.pywrap.metadata_store_extension import metadata_store as ms
    from ml_metadata.proto import metadata_store_pb2 as mpb

    migration = mpb.MigrationOptions().SerializeToString()
    names = method_names()
    first = _create(ms, config, migration)  # create or check the schema once, as the server does
    del first
    backend: Any = PerRpc(config, migration, names, workers) if mode == "per-rpc" else None
    if backend is None:
        backend = Shared(config, migration)
    codes = {c.value[0]: c for c in grpc.StatusCode}

    def handler(name: str) -> Any:
        def run(request: bytes, context: Any) -> bytes:
            response, err, code = backend.call(name, request)
            if code:
                context.abort(
                    codes.get(code, grpc.StatusCode.UNKNOWN), err.decode(errors="replace")
                )
            return response

        return grpc.unary_unary_rpc_method_handler(run)  # no (de)serializers: bytes

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rpc"),
        handlers=[grpc.method_handlers_generic_handler(SERVICE, {n: handler(n) for n in names})],
        options=[
            ("grpc.max_receive_message_length", 100 * 1024 * 1024),
            ("grpc.max_send_message_length", 100 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
        ],
    )
    status = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(status, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    server.start()
    for name in ("", SERVICE):
        status.set(name, health_pb2.HealthCheckResponse.SERVING)
    print(f"serving {SERVICE} ({mode}, {workers} workers) on {host}:{bound}", file=sys.stderr)
    sys.stderr.flush()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    server.stop(1).wait()
    backend.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", required=True, help="a ConnectionConfig, serialized, base64")
    parser.add_argument("--mode", choices=("per-rpc", "shared"), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=32, help="gRPC threads (and processes)")
    args = parser.parse_args(argv)
    return serve(base64.b64decode(args.config), args.mode, args.host, args.port, args.workers)


if __name__ == "__main__":
    raise SystemExit(main())
