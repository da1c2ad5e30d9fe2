"""Writers killed with SIGKILL at random moments (issue 7, "Crashes").

A spawned writer records executions until it is killed: one ``put_lineage_subgraph`` call with 50
executions, then 20 ``put_execution`` calls, over and over (the workload of ``_workload.py``: new,
reused and shared artifacts, events with paths, the pipeline context). The kills alternate between
the two kinds of call, at a random moment inside each. After every kill:

* SQLite: ``PRAGMA integrity_check`` is ``ok``;
* the store opens;
* every execution is complete (exactly its expected events and its association) or absent, every
  artifact has its events and its attribution, one context and one type per name.

In ``make test``: 50 kills on a SQLite file, 10 on MariaDB and 10 on PostgreSQL, and 10 kills of
a schema upgrade (v0 with data to v10) on SQLite, after each of which the database opens at a
valid version, upgrades and has every row. ``make stress`` (``slow``) runs many more.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import schema_version
from lineage.store._backend import Backend
from lineage.store._config import target_from
from lineage.store.migrations._ops import frozen_ddl
from lineage.store.migrations._seed import seed_base, verify_base
from tests.conftest import fresh_url
from tests.load import _workload as w

SEED = int(os.environ.get("LINEAGE_CRASH_SEED", "20240607"))


@dataclass
class KillStats:
    kills: int = 0
    at_phase: Counter[str] = field(default_factory=Counter)
    executions: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.at_phase.items()))
        return (
            f"{self.kills} kills ({phases}) in {self.seconds:.1f} s, "
            f"{self.executions} executions survived"
        )


PHASE_NAMES = {w.IDLE: "idle", w.BATCH: "batched", w.SINGLE: "single"}


class Spawner:
    """Starts crash writers one ahead, so a writer is ready (imported, store open) at each kill."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ctx = multiprocessing.get_context("spawn")
        self.worker = 0
        self.spare: tuple[Any, Any, Any, Any] | None = None
        self.all: list[Any] = []

    def _start(self) -> tuple[Any, Any, Any, Any]:
        self.worker += 1
        phase = self.ctx.Value("i", w.IDLE, lock=False)
        ready, go = self.ctx.Event(), self.ctx.Event()
        proc = self.ctx.Process(
            target=w.crash_writer,
            args=(self.url, self.worker, phase, ready, go),
            name=f"crash-writer-{self.worker}",
        )
        proc.start()
        self.all = [p for p in self.all if not self._release(p)]
        self.all.append(proc)
        return proc, phase, ready, go

    @staticmethod
    def _release(proc: Any) -> bool:
        """Close a finished writer's process handle (and its file descriptors)."""
        if proc.is_alive() or proc.exitcode is None:
            return False
        proc.close()
        return True

    def next(self) -> tuple[Any, Any, Any]:
        """A started writer (process, phase, go), and start the next one."""
        current = self.spare or self._start()
        self.spare = self._start()
        proc, phase, ready, go = current
        assert ready.wait(120), f"writer {proc.name} did not open the store"
        return proc, phase, go

    def close(self) -> None:
        for proc in self.all:
            if proc.is_alive():
                proc.kill()
            proc.join(10)
            proc.close()
        self.all = []


def kill_writers(
    url: str,
    kills: int,
    rng: random.Random,
    check: Callable[[bool], int],
    sqlite_path: Path | None,
) -> KillStats:
    """Kill ``kills`` writers, alternating between batched and single calls; check after each
    (``check(True)``: everything, 10 times in the run and after the last kill; else the rows
    written since the previous check)."""
    stats = KillStats()
    began = time.perf_counter()
    spawner = Spawner(url)
    duration = {w.BATCH: 0.0, w.SINGLE: 0.0}  # how long each kind of call runs, measured

    def wait_for(proc: Any, phase: Any, value: int) -> float:
        deadline = time.monotonic() + 60
        while phase.value != value:
            assert proc.is_alive(), f"writer {proc.name} died (exit code {proc.exitcode})"
            assert time.monotonic() < deadline, f"writer {proc.name} is stuck"
            time.sleep(0.0002)
        return time.perf_counter()

    try:
        for k in range(kills):
            proc, phase, go = spawner.next()
            go.set()
            time.sleep(rng.uniform(0.0, 0.1))  # let the database grow by a random amount
            # Measure one round of this writer: its batched call, then its single calls.
            batch_start = wait_for(proc, phase, w.BATCH)
            single_start = wait_for(proc, phase, w.SINGLE)
            next_batch = wait_for(proc, phase, w.BATCH)
            duration[w.BATCH] = single_start - batch_start
            duration[w.SINGLE] = next_batch - single_start
            # Kill at a random moment of a batched call (even kills) or of the single calls.
            target = w.BATCH if k % 2 == 0 else w.SINGLE
            wait_for(proc, phase, target)
            time.sleep(rng.uniform(0.0, duration[target]))
            at = phase.value
            assert proc.is_alive(), (
                f"writer {proc.name} died on its own (exit code {proc.exitcode}); "
                "see its traceback in the captured stderr"
            )
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(30)
            assert proc.exitcode == -signal.SIGKILL
            stats.kills += 1
            stats.at_phase[PHASE_NAMES[at]] += 1
            if sqlite_path is not None:
                assert integrity(sqlite_path) == "ok", f"after kill {k + 1}"
            stats.executions = check((k + 1) % max(1, kills // 10) == 0 or k + 1 == kills)
    finally:
        spawner.close()
    stats.seconds = time.perf_counter() - began
    return stats


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    return "; ".join(str(r[0]) for r in rows)


class Completeness:
    """After a kill: open the store; every execution is complete or absent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.checked = (0, 0)  # newest execution and artifact ids already checked

    def __call__(self, everything: bool) -> int:
        """Check the rows written since the last call (all of them if ``everything``)."""
        store = lineage.MetadataStore(self.url)
        try:
            since = (0, 0) if everything else self.checked
            problems = w.check_final(store, since=since)
            assert not problems, problems
            self.checked = w.newest_ids(store)
            return int(store.counts()["executions"])
        finally:
            store.close()


# --------------------------------------------------------------------------- writers
@pytest.mark.parametrize(
    "kills", [pytest.param(50, id="50"), pytest.param(500, id="500", marks=pytest.mark.slow)]
)
def test_sqlite_writer_killed(tmp_path: Path, kills: int) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    lineage.MetadataStore(url).close()
    stats = kill_writers(url, kills, random.Random(SEED), Completeness(url), path)
    print(stats.summary())
    assert stats.kills == kills
    assert stats.at_phase["batched"] >= kills // 4, stats.summary()
    assert stats.at_phase["single"] >= kills // 4, stats.summary()
    assert stats.executions > 0


SERVER_KILLS = [
    pytest.param("mysql", 10, id="mysql-10", marks=pytest.mark.mysql),
    pytest.param("postgresql", 10, id="postgresql-10", marks=pytest.mark.postgresql),
    pytest.param("mysql", 100, id="mysql-100", marks=[pytest.mark.mysql, pytest.mark.slow]),
    pytest.param(
        "postgresql", 100, id="postgresql-100", marks=[pytest.mark.postgresql, pytest.mark.slow]
    ),
]


@pytest.mark.parametrize(("backend", "kills"), SERVER_KILLS)
def test_server_writer_killed(backend: str, kills: int, tmp_path: Path) -> None:
    url = fresh_url(backend, tmp_path)
    lineage.MetadataStore(url).close()
    stats = kill_writers(url, kills, random.Random(SEED), Completeness(url), None)
    print(stats.summary())
    assert stats.kills == kills
    assert stats.at_phase["batched"] >= 1, stats.summary()
    assert stats.at_phase["single"] >= 1, stats.summary()


# --------------------------------------------------------------------------- schema upgrade
BULK = 3000  # artifacts, executions and events added to the seed rows of the old database


def build_v0(path: Path) -> dict[str, Any]:
    """A schema-v0 SQLite database (ml-metadata 0.13.2) with data; returns what it holds."""
    backend = Backend(target_from(f"sqlite:///{path}"))
    rng = random.Random(SEED)
    expected: dict[str, Any] = {"artifacts": {}, "executions": {}, "events": {}}
    try:
        with backend.transaction(write=True) as tx:
            for statement in frozen_ddl("sqlite", 0):
                tx.cur.execute(statement)
            seed_base(tx, kind_column="is_artifact_type")
            tx.cur.execute(
                "INSERT INTO Type (id, name, is_artifact_type) VALUES (500, 'bulk.Data', 1), "
                "(501, 'bulk.Run', 0)"
            )
            tx.cur.execute("INSERT INTO TypeProperty VALUES (500, 'n', 1), (500, 'label', 3)")
            arts, props, execs, eprops, events, paths = [], [], [], [], [], []
            for i in range(BULK):
                a_id, e_id, ev_id = 1000 + i, 5000 + i, 9000 + i
                label = f"label {i} {rng.random():.6f} ✓"
                arts.append((a_id, 500, f"/bulk/{i}"))
                props.append((a_id, "n", 0, i, None, None))
                props.append((a_id, "label", 0, None, None, label))
                execs.append((e_id, 501))
                eprops.append((e_id, "lr", 1, None, i / 9, None))
                events.append((ev_id, a_id, e_id, 3 if i % 2 else 4, 1_700_000_000_000 + i))
                paths.append((ev_id, 0, None, f"k{i}"))
                paths.append((ev_id, 1, i, None))
                expected["artifacts"][a_id] = (f"/bulk/{i}", i, label)
                expected["executions"][e_id] = i / 9
                expected["events"][ev_id] = (a_id, e_id, 3 if i % 2 else 4, [f"k{i}", i])
            tx.cur.executemany("INSERT INTO Artifact VALUES (?, ?, ?)", arts)
            tx.cur.executemany("INSERT INTO ArtifactProperty VALUES (?, ?, ?, ?, ?, ?)", props)
            tx.cur.executemany("INSERT INTO Execution VALUES (?, ?)", execs)
            tx.cur.executemany("INSERT INTO ExecutionProperty VALUES (?, ?, ?, ?, ?, ?)", eprops)
            tx.cur.executemany("INSERT INTO Event VALUES (?, ?, ?, ?, ?)", events)
            tx.cur.executemany("INSERT INTO EventPath VALUES (?, ?, ?, ?)", paths)
    finally:
        backend.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return expected


def stored_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        tables = {r[0].lower() for r in conn.execute("SELECT name FROM sqlite_master")}
        if "mlmdenv" not in tables:
            return 0
        [(version,)] = conn.execute("SELECT schema_version FROM MLMDEnv").fetchall()
        return int(version)
    finally:
        conn.close()


def check_upgraded(path: Path, expected: dict[str, Any]) -> None:
    """Upgrade (again) and check every row of the old database survived."""
    url = f"sqlite:///{path}"
    store = lineage.MetadataStore(url, enable_upgrade_migration=True)
    try:
        assert schema_version(url) == 10
        artifacts = {a.id: a for a in store.get_artifacts_by_type("bulk.Data")}
        got = {
            i: (a.uri, a.properties["n"].int_value, a.properties["label"].string_value)
            for i, a in artifacts.items()
        }
        assert got == expected["artifacts"]
        executions = store.get_executions_by_type("bulk.Run")
        assert {e.id: e.custom_properties["lr"].double_value for e in executions} == expected[
            "executions"
        ]
        events = store.get_events_by_execution_ids(list(expected["executions"]))
        assert len(events) == len(expected["events"])
        by_pair = {(e.artifact_id, e.execution_id): e for e in events}
        for a_id, e_id, kind, steps in expected["events"].values():
            event = by_pair[(a_id, e_id)]
            assert event.type == kind
            assert [s.key or s.index for s in event.path.steps] == steps
        assert len(store.get_artifacts()) == BULK + 1
        [seeded] = store.get_artifacts_by_id([201])
        assert seeded.properties["rows"].int_value == 42
    finally:
        store.close()
    backend = Backend(target_from(url))
    try:
        with backend.transaction(write=False) as tx:
            verify_base(tx)
    finally:
        backend.close()


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


@pytest.mark.parametrize(
    "kills", [pytest.param(10, id="10"), pytest.param(100, id="100", marks=pytest.mark.slow)]
)
def test_schema_upgrade_killed(tmp_path: Path, kills: int) -> None:
    template = tmp_path / "v0.db"
    expected = build_v0(template)
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random(SEED)
    path = tmp_path / "upgrading.db"
    url = f"sqlite:///{path}"

    def upgrade_in_child(kill_after: float | None) -> float:
        """Run the upgrade in a child and kill it ``kill_after`` s after it starts.

        Returns how long the upgrade took, or -1.0 if the child was killed before it ended.
        """
        started, done = ctx.Event(), ctx.Event()
        proc = ctx.Process(target=w.upgrade_process, args=(url, started, done))
        proc.start()
        try:
            assert started.wait(60)
            began = time.perf_counter()
            if kill_after is None:
                assert done.wait(120)
                took = time.perf_counter() - began
                proc.join(30)
                assert proc.exitcode == 0
                return took
            time.sleep(kill_after)
            if done.is_set():
                proc.join(30)
                return 0.0
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(30)
            return -1.0
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(10)
            proc.close()

    # How long an uninterrupted upgrade takes here.
    copy_database(template, path)
    duration = upgrade_in_child(None)
    check_upgraded(path, expected)

    versions: Counter[int] = Counter()
    killed = attempts = 0
    while killed < kills:
        attempts += 1
        assert attempts <= kills * 4, f"only {killed} of {attempts} kills landed in the upgrade"
        copy_database(template, path)
        if upgrade_in_child(rng.uniform(0.0, duration)) >= 0:
            continue  # it finished first
        killed += 1
        assert integrity(path) == "ok"
        version = stored_version(path)
        assert 0 <= version <= 10
        versions[version] += 1
        check_upgraded(path, expected)  # opens at that version, upgrades, all rows there
    print(
        f"upgrade v0->v10 takes {duration:.2f} s; {killed} kills "
        f"({attempts} attempts), versions left at the kills: {dict(sorted(versions.items()))}"
    )


def test_check_finds_an_incomplete_execution(tmp_path: Path) -> None:
    """The completeness check is not vacuous: a lone event-less execution fails it."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    store = lineage.MetadataStore(url)
    try:
        types = w.register_types(store)
        w.Writer(store, types, 0, 0).record_batch(range(3))
        assert not w.check_final(store)
        orphan = pb.Artifact(type_id=types.artifact, uri="/orphan")
        store.put_artifacts([orphan])
        assert any("unattributed" in p for p in w.check_final(store))
    finally:
        store.close()
