"""Load generators for ``server_bench.py``: client processes, each with threads making raw unary
calls (pre-serialized request bytes, responses left unparsed) on their own gRPC channels.

A :class:`ClientPool` keeps its processes for the whole benchmark; a cell sends each process its
threads' requests and a common start time (wall clock), every thread calls in a closed loop
(next call as soon as the last returned) until the end, and the calls that *start* inside the
measured window (after the warm-up) are returned: their latencies and error codes.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CellResult", "ClientPool", "call_once", "wait_serving"]

CHANNEL_OPTIONS = [
    ("grpc.use_local_subchannel_pool", 1),  # a connection per channel: one per client thread
    ("grpc.max_receive_message_length", 100 * 1024 * 1024),
    ("grpc.max_send_message_length", 100 * 1024 * 1024),
]


@dataclass
class CellResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_sample: str = ""
    window_s: float = 0.0


def _thread_loop(
    stub: Any, requests: list[bytes], t_start: float, t_measure: float, t_end: float, out: Any
) -> None:
    import grpc

    lat, errors = out["lat"], out["errors"]
    n = len(requests)
    i = 0
    while time.perf_counter() < t_start:
        time.sleep(0.001)
    while True:
        begun = time.perf_counter()
        if begun >= t_end:
            return
        try:
            stub(requests[i % n], timeout=120)
            ok = True
        except grpc.RpcError as exc:
            ok = False
            name = exc.code().name
            errors[name] = errors.get(name, 0) + 1
            if not out["sample"]:
                out["sample"] = f"{name}: {exc.details()}"[:300]
        elapsed = time.perf_counter() - begun
        if ok and begun >= t_measure:
            lat.append(elapsed * 1000)
        i += 1


def run_cell(
    conn: Any,
    target: str,
    method: str,
    requests: list[list[bytes]],
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    """Run ``len(requests)`` threads against ``target``.

    Connects every channel, says "ready" on ``conn`` and waits for the start time (a
    ``time.time()``) that the pool sends once every process is ready.
    """
    import threading

    import grpc

    channels = [grpc.insecure_channel(target, options=CHANNEL_OPTIONS) for _ in requests]
    try:
        for ch in channels:
            grpc.channel_ready_future(ch).result(timeout=30)
        stubs = [ch.unary_unary(method) for ch in channels]  # bytes in, bytes out
        conn.send("ready")
        start_at = conn.recv()
        offset = time.perf_counter() - time.time()
        t_start = start_at + offset
        t_measure, t_end = t_start + warmup, t_start + warmup + duration
        outs = [{"lat": [], "errors": {}, "sample": ""} for _ in requests]
        threads = [
            threading.Thread(
                target=_thread_loop, args=(stub, reqs, t_start, t_measure, t_end, out), daemon=True
            )
            for stub, reqs, out in zip(stubs, requests, outs, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for ch in channels:
            ch.close()
    lat: list[float] = []
    errors: dict[str, int] = {}
    sample = ""
    for out in outs:
        lat += out["lat"]
        for k, v in out["errors"].items():
            errors[k] = errors.get(k, 0) + v
        sample = sample or out["sample"]
    return {"lat": lat, "errors": errors, "sample": sample}


def _client_main(conn: Any) -> None:
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(run_cell(conn, **job))
        except Exception as exc:  # report, keep serving
            conn.send({"lat": [], "errors": {"CLIENT": 1}, "sample": repr(exc)[:300]})


class ClientPool:
    """``size`` client processes (spawned, so no gRPC state is forked)."""

    def __init__(self, size: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conns = []
        self.procs = []
        for _ in range(size):
            mine, theirs = ctx.Pipe()
            p = ctx.Process(target=_client_main, args=(theirs,), daemon=True)
            p.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(p)

    def run(
        self,
        target: str,
        method: str,
        requests: list[list[bytes]],
        processes: int,
        warmup: float,
        duration: float,
    ) -> CellResult:
        """``requests[i]``: thread i's requests; threads are dealt out to ``processes``."""
        share: list[list[list[bytes]]] = [[] for _ in range(processes)]
        for i, reqs in enumerate(requests):
            share[i % processes].append(reqs)
        conns = self.conns[:processes]
        for conn, reqs in zip(conns, share, strict=True):
            job = {"target": target, "method": method, "requests": reqs}
            conn.send({**job, "warmup": warmup, "duration": duration})
        for conn in conns:
            reply = conn.recv()
            if reply != "ready":  # it failed before starting: report it
                raise RuntimeError(f"client process: {reply}")
        start_at = time.time() + 0.05
        for conn in conns:
            conn.send(start_at)
        result = CellResult(window_s=duration)
        for conn in conns:
            part = conn.recv()
            result.latencies_ms += part["lat"]
            for k, v in part["errors"].items():
                result.errors[k] = result.errors.get(k, 0) + v
            result.error_sample = result.error_sample or part["sample"]
        return result

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.terminate()


def call_once(target: str, method: str, request: bytes, timeout: float = 60) -> bytes:
    import grpc

    with grpc.insecure_channel(target, options=CHANNEL_OPTIONS) as ch:
        return ch.unary_unary(method)(request, timeout=timeout)


def wait_serving(target: str, timeout: float = 120) -> None:
    """Block until grpc health for "" answers SERVING."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(target) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while True:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{target} did not become SERVING in {timeout:.0f} s")
            time.sleep(0.1)
