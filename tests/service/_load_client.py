"""A load client for the server tests: marked writes over raw gRPC, in a thread or a process.

Each call writes one execution, its output artifacts and their events, in the context shared by
every client, and carries a unique marker (the execution's name, a custom property of every node)
so a test can tell afterwards which calls reached the database and whether all of each did.
Like ml-metadata's and KFP's clients, a call is retried on ABORTED only; any other status is
recorded as the user saw it. Importable without pytest: ``python -m tests.service._load_client
'<json>'`` runs one client and prints its records as JSON on stdout.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import grpc

from lineage import proto as pb
from lineage.proto import metadata_store_service_pb2 as svc

SERVICE = "/ml_metadata.MetadataStoreService/"
SHARED_CONTEXT = "shared-run"
METHODS = ("PutExecution", "PutLineageSubgraph")


@dataclass(frozen=True)
class Types:
    artifact: int
    execution: int
    context: int


def put_execution(types: Types, marker: str, artifacts: int) -> Any:
    """PutExecution: one execution, ``artifacts`` outputs with events, the shared context."""
    request = svc.PutExecutionRequest()
    request.execution.type_id = types.execution
    request.execution.name = marker
    request.execution.custom_properties["marker"].string_value = marker
    for i in range(artifacts):
        pair = request.artifact_event_pairs.add()
        _artifact(pair.artifact, types, marker, i)
        pair.event.type = pb.Event.OUTPUT
        pair.event.path.steps.add().key = f"out{i}"
    request.contexts.add(type_id=types.context, name=SHARED_CONTEXT)
    request.options.reuse_context_if_already_exist = True
    return request


def put_lineage_subgraph(types: Types, marker: str, artifacts: int) -> Any:
    """PutLineageSubgraph with the same nodes and edges as :func:`put_execution`."""
    request = svc.PutLineageSubgraphRequest()
    execution = request.executions.add(type_id=types.execution, name=marker)
    execution.custom_properties["marker"].string_value = marker
    for i in range(artifacts):
        _artifact(request.artifacts.add(), types, marker, i)
        edge = request.event_edges.add(execution_index=0, artifact_index=i)
        edge.event.type = pb.Event.OUTPUT
        edge.event.path.steps.add().key = f"out{i}"
    request.contexts.add(type_id=types.context, name=SHARED_CONTEXT)
    request.options.reuse_context_if_already_exist = True
    return request


def _artifact(artifact: Any, types: Types, marker: str, i: int) -> None:
    artifact.type_id = types.artifact
    artifact.uri = f"mem://{marker}/{i}"
    artifact.custom_properties["marker"].string_value = marker


class Caller:
    """One channel; PutExecution and PutLineageSubgraph by name, retrying ABORTED only."""

    def __init__(self, port: int, timeout: float = 20.0) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.timeout = timeout
        self.stubs = {
            name: self.channel.unary_unary(
                SERVICE + name,
                request_serializer=_serialize,
                response_deserializer=getattr(svc, name + "Response").FromString,
            )
            for name in METHODS
        }

    def call(self, method: str, request: Any, marker: str, aborted_retries: int = 30) -> dict:
        """One call as a record: marker, method, code, details, ABORTED retries, wall times."""
        record: dict[str, Any] = {"marker": marker, "method": method, "aborted": 0}
        record["start"] = time.time()
        delay = 0.01
        while True:
            try:
                response = self.stubs[method](request, timeout=self.timeout)
            except grpc.RpcError as error:
                code = error.code().name
                if code == "ABORTED" and record["aborted"] < aborted_retries:
                    record["aborted"] += 1
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.5)
                    continue
                record.update(code=code, details=error.details() or "")
                break
            ids = response.execution_ids if method == "PutLineageSubgraph" else None
            record.update(
                code="OK",
                details="",
                execution_id=int(ids[0] if ids is not None else response.execution_id),
            )
            break
        record["end"] = time.time()
        return record

    def close(self) -> None:
        self.channel.close()


def _serialize(message: Any) -> bytes:
    return bytes(message.SerializeToString())


def run(
    port: int,
    types: Types,
    prefix: str,
    count: int,
    artifacts: int = 1,
    methods: tuple[str, ...] = ("PutExecution",),
    until_failure: bool = False,
    deadline: float | None = None,
    stop: threading.Event | None = None,
    sink: list[dict] | None = None,
    aborted_retries: int = 30,
    pause_on_error: float = 0.0,
) -> list[dict]:
    """Make up to ``count`` calls (markers ``prefix-0``, ...); the records, in order.

    With ``until_failure`` the client stops after its first call that is not OK (otherwise it
    waits ``pause_on_error`` seconds and goes on); it always stops at ``deadline`` (a
    ``time.time()``) or when ``stop`` is set.
    """
    caller = Caller(port)
    records = sink if sink is not None else []
    try:
        for i in range(count):
            if deadline is not None and time.time() > deadline:
                break
            if stop is not None and stop.is_set():
                break
            method = methods[i % len(methods)]
            marker = f"{prefix}-{i}"
            build = put_execution if method == "PutExecution" else put_lineage_subgraph
            record = caller.call(method, build(types, marker, artifacts), marker, aborted_retries)
            records.append(record)
            if record["code"] != "OK":
                if until_failure:
                    break
                time.sleep(pause_on_error)
    finally:
        caller.close()
    return records


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    records = run(
        spec["port"],
        Types(*spec["types"]),
        spec["prefix"],
        spec["count"],
        artifacts=spec.get("artifacts", 1),
        methods=tuple(spec.get("methods", ["PutExecution"])),
        until_failure=spec.get("until_failure", False),
        deadline=spec.get("deadline"),
        aborted_retries=spec.get("aborted_retries", 30),
        pause_on_error=spec.get("pause_on_error", 0.0),
    )
    sys.stdout.write(json.dumps(records) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
