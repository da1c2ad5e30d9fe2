"""OpenLineage's HTTP transport, served by the web app: ``POST /api/v1/lineage`` (one event)
and ``POST /api/v1/lineage/batch`` (a JSON array of events).

An Airflow, Spark, dbt or ``openlineage-python`` client pointed at this server as it would be
at Marquez records into the store. Posting is a write: refused with 403 where writes are (a
read-only ``lineage ui``, a read token). Every event is checked against the OpenLineage schema
before anything is written: a bad one answers 400 naming the field, and the whole request
writes nothing.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lineage.errors import EventValidationError, LineageError
from lineage.web._http import ApiError, check_write, json_payload, json_response, lineage_error

__all__ = ["post_batch", "post_event"]

#: The largest request body accepted (after gzip): a batch of a few thousand events.
MAX_BODY = 32 * 1024 * 1024


async def _receive(request: Request, batch: bool) -> list[dict[str, Any]]:
    from lineage.openlineage import validate_batch, validate_event

    check_write(request)
    payload = await json_payload(request, MAX_BODY)
    try:
        if batch:
            validate_batch(payload)
            return list(payload)
        validate_event(payload)
    except EventValidationError as exc:
        raise ApiError(400, str(exc), exc.field or "body") from None
    return [payload]


class EventWriter:
    """Records posted events on one thread of its own.

    Requests that arrive while a write is running are written together in the next
    transaction (a group commit), so many clients posting at once (an Airflow fleet,
    openlineage-python's async transport) cost one commit per group, not one per event. The one
    thread also keeps one database connection, whose caches stay warm. A group that fails is
    written again request by request, so only the request at fault gets the error.
    """

    #: Events written in one transaction at most.
    MAX_GROUP = 500
    #: Seconds an idle writer thread waits before it ends (the next request starts another).
    IDLE_S = 5.0

    def __init__(self, store: Any) -> None:
        self.store = store
        self.queue: queue.Queue[tuple[list[dict[str, Any]], Any, asyncio.Future[Any]]] = (
            queue.Queue()
        )
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    async def submit(self, events: list[dict[str, Any]]) -> Any:
        """Record ``events``; return their ``IngestResult`` (their share of the group's)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self.lock:
            self.queue.put((events, loop, future))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="lineage-openlineage-writer", daemon=True
                )
                self.thread.start()
        return await future

    def _run(self) -> None:
        while True:
            with self.lock:  # end when idle; submit() starts a new thread under the lock
                try:
                    first = self.queue.get(timeout=0.0)
                except queue.Empty:
                    first = None
            if first is None:
                try:
                    first = self.queue.get(timeout=self.IDLE_S)
                except queue.Empty:
                    with self.lock:
                        if self.queue.empty():
                            self.thread = None
                            return
                    continue
            group = [first]
            size = len(first[0])
            while size < self.MAX_GROUP:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                group.append(item)
                size += len(item[0])
            self._write(group)

    def _write(self, group: list[tuple[list[dict[str, Any]], Any, asyncio.Future[Any]]]) -> None:
        from lineage.openlineage import IngestResult, ingest

        events = [e for item in group for e in item[0]]
        try:
            result = ingest(self.store, events, batch_size=len(events))
        except Exception as exc:  # noqa: BLE001 - each request is tried alone below
            if len(group) == 1:
                _settle(group[0], error=exc)
                return
            for item in group:
                self._write([item])
            return
        start = 0
        for item in group:
            flags = result.fresh[start : start + len(item[0])]
            start += len(item[0])
            runs = dict.fromkeys(
                str(e["run"]["runId"]) for e in item[0] if (e.get("run") or {}).get("runId")
            )
            executions = tuple(result.by_run[r] for r in runs if r in result.by_run)
            _settle(
                item,
                value=IngestResult(
                    events=len(flags),
                    new=sum(flags),
                    runs=len(runs),
                    executions=executions,
                    fresh=flags,
                    by_run={r: result.by_run[r] for r in runs if r in result.by_run},
                ),
            )


def _settle(
    item: tuple[list[dict[str, Any]], Any, asyncio.Future[Any]],
    value: Any = None,
    error: BaseException | None = None,
) -> None:
    _, loop, future = item

    def done() -> None:
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    loop.call_soon_threadsafe(done)


def _writer(request: Request) -> EventWriter:
    state = request.app.state
    writer: EventWriter | None = getattr(state, "openlineage_writer", None)
    if writer is None:
        writer = state.openlineage_writer = EventWriter(state.store)
    return writer


async def _record(request: Request, events: list[dict[str, Any]]) -> Response:
    try:
        result = await _writer(request).submit(events)
    except LineageError as exc:
        raise lineage_error(exc, "body") from exc
    return json_response({"ok": True, **result.to_dict()}, status=201)


async def post_event(request: Request) -> Response:
    """``POST /api/v1/lineage``: record one OpenLineage event (201, or 400 naming the field)."""
    return await _record(request, await _receive(request, batch=False))


async def post_batch(request: Request) -> Response:
    """``POST /api/v1/lineage/batch``: record a JSON array of events in one transaction;
    nothing is written if any event is malformed (the field says which: ``[3].run``)."""
    return await _record(request, await _receive(request, batch=True))
