"""Concurrent writers and readers on one database (issue 7, "Concurrency").

* SQLite file: 8 processes each record 500 executions with ``put_execution`` (the issue's
  numbers), 2 reader processes check what they see meanwhile.
* MariaDB and PostgreSQL: 32 threads sharing one store in this process plus 8 processes, 100
  executions each (4,000), 2 reader processes and 2 reader threads.

Afterwards: exactly the expected executions, each with exactly its events (the count is a property
of the execution), associated with the one pipeline context; every artifact attributed; one type
per name; no exception reached a writer or reader; no reader saw a half-written execution.
``make stress`` runs the same with more writers and executions (``slow``).

The workload itself is in ``_workload.py`` (children import it without pytest).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.conftest import fresh_url
from tests.load import _workload as w


@dataclass(frozen=True)
class Scale:
    processes: int
    threads: int
    per_worker: int
    reader_processes: int = 2
    reader_threads: int = 0

    @property
    def total(self) -> int:
        return (self.processes + self.threads) * self.per_worker


@dataclass
class Outcome:
    seconds: float
    writers: list[w.WriterResult] = field(default_factory=list)
    readers: list[w.ReaderResult] = field(default_factory=list)
    final: list[str] = field(default_factory=list)

    def summary(self, scale: Scale) -> str:
        rounds = sum(r.rounds for r in self.readers)
        rate = scale.total / self.seconds if self.seconds else 0.0
        return (
            f"{scale.processes} processes + {scale.threads} threads x {scale.per_worker} = "
            f"{scale.total} executions in {self.seconds:.1f} s ({rate:.0f}/s), "
            f"{len(self.readers)} readers, {rounds} read rounds"
        )


def run_load(url: str, scale: Scale, seed: int, timeout: float = 900.0) -> Outcome:
    """Run the writers and readers of ``scale`` against ``url`` and check the result."""
    ctx = multiprocessing.get_context("spawn")
    start, stop = ctx.Event(), ctx.Event()
    out: Any = ctx.Queue()
    store = lineage.MetadataStore(url)
    procs: list[Any] = []
    thread_stop = threading.Event()
    try:
        for r in range(scale.reader_processes):
            procs.append(
                ctx.Process(target=w.reader_process, args=(url, stop, out), name=f"reader-{r}")
            )
        for worker in range(scale.processes):
            procs.append(
                ctx.Process(
                    target=w.writer_process,
                    args=(url, worker, scale.per_worker, seed + worker, start, out),
                    name=f"writer-{worker}",
                )
            )
        for p in procs:
            p.start()
        first_thread = scale.processes
        threads, thread_results, go = w.threads_writers(
            store, range(first_thread, first_thread + scale.threads), scale.per_worker, seed
        )
        reader_results = [w.ReaderResult() for _ in range(scale.reader_threads)]

        def read(slot: int) -> None:
            reader_results[slot] = w.run_reader(store, thread_stop.is_set)

        readers = [
            threading.Thread(target=read, args=(i,), daemon=True)
            for i in range(scale.reader_threads)
        ]
        for t in [*threads, *readers]:
            t.start()
        began = time.perf_counter()
        start.set()
        go.set()
        outcome = Outcome(seconds=0.0)
        deadline = time.monotonic() + timeout
        while len(outcome.writers) < scale.processes:
            try:
                role, result = out.get(timeout=1.0)
            except queue.Empty:
                dead = [p.name for p in procs if p.exitcode not in (None, 0)]
                assert not dead, f"{dead} died; see their tracebacks in the captured stderr"
                assert time.monotonic() < deadline, f"the writers did not finish in {timeout} s"
                continue
            (outcome.writers if role == "writer" else outcome.readers).append(result)
        for t in threads:
            t.join(max(1.0, deadline - time.monotonic()))
            assert not t.is_alive(), f"{t.name} did not finish in {timeout} s"
        outcome.seconds = time.perf_counter() - began
        outcome.writers.extend(thread_results)
        stop.set()
        thread_stop.set()
        for t in readers:
            t.join(60)
        outcome.readers.extend(reader_results)
        while len(outcome.readers) < scale.reader_processes + scale.reader_threads:
            role, result = out.get(timeout=120)
            (outcome.writers if role == "writer" else outcome.readers).append(result)
        for p in procs:
            p.join(60)
        expected = {
            w.execution_name(worker, seq): 1
            for worker in range(scale.processes + scale.threads)
            for seq in range(scale.per_worker)
        }
        outcome.final = w.check_final(store, expected)
        return outcome
    finally:
        stop.set()
        thread_stop.set()
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join(10)
        store.close()


def assert_clean(outcome: Outcome, scale: Scale) -> None:
    print(outcome.summary(scale))
    errors = [e for r in outcome.writers for e in r.errors]
    assert not errors, f"{len(errors)} errors reached the writers; the first:\n{errors[0]}"
    assert sum(r.done for r in outcome.writers) == scale.total
    reader_errors = [e for r in outcome.readers for e in r.errors]
    assert not reader_errors, f"{len(reader_errors)} reader errors; the first:\n{reader_errors[0]}"
    problems = [p for r in outcome.readers for p in r.problems]
    assert not problems, f"readers saw half-written executions: {problems[:10]}"
    assert all(r.rounds > 0 for r in outcome.readers), "a reader never completed a round"
    assert not outcome.final, outcome.final


SQLITE = Scale(processes=8, threads=0, per_worker=500)
SQLITE_STRESS = Scale(processes=16, threads=8, per_worker=1000, reader_threads=2)
SERVER = Scale(processes=8, threads=32, per_worker=100, reader_threads=2)
SERVER_STRESS = Scale(
    processes=16, threads=48, per_worker=250, reader_processes=4, reader_threads=2
)


@pytest.mark.parametrize(
    "scale",
    [
        pytest.param(SQLITE, id="8x500"),
        pytest.param(SQLITE_STRESS, id="stress", marks=pytest.mark.slow),
    ],
)
def test_sqlite_file_processes(tmp_path: Path, scale: Scale) -> None:
    url = f"sqlite:///{tmp_path / 'load.db'}"
    assert_clean(run_load(url, scale, seed=7), scale)


SERVERS = [
    pytest.param("mysql", SERVER, id="mysql-32t+8p", marks=pytest.mark.mysql),
    pytest.param("postgresql", SERVER, id="postgresql-32t+8p", marks=pytest.mark.postgresql),
    pytest.param(
        "mysql", SERVER_STRESS, id="mysql-stress", marks=[pytest.mark.mysql, pytest.mark.slow]
    ),
    pytest.param(
        "postgresql",
        SERVER_STRESS,
        id="postgresql-stress",
        marks=[pytest.mark.postgresql, pytest.mark.slow],
    ),
]


@pytest.mark.parametrize(("backend", "scale"), SERVERS)
def test_server_threads_and_processes(backend: str, scale: Scale, tmp_path: Path) -> None:
    url = fresh_url(backend, tmp_path)
    assert_clean(run_load(url, scale, seed=11), scale)


def test_readers_catch_a_half_written_execution(tmp_path: Path) -> None:
    """The reader check is not vacuous: an execution committed without its events is reported."""
    from lineage.proto import metadata_store_pb2 as pb

    store = lineage.MetadataStore(f"sqlite:///{tmp_path / 'half.db'}")
    try:
        types = w.register_types(store)
        w.Writer(store, types, worker=0, seed=1).record(0)
        execution = pb.Execution(type_id=types.execution, name="half")
        execution.properties["expected_events"].int_value = 2
        store.put_executions([execution])
        problems = w.read_round(store)
        assert any("0 of 2 events" in p for p in problems), problems
        assert any("without its association" in p for p in problems), problems
        final = w.check_final(store, {w.execution_name(0, 0): 1})
        assert any("unexpected executions" in p for p in final), final
        assert any("missing/extra events" in p for p in final), final
    finally:
        store.close()
