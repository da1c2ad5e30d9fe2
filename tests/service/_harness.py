"""Real processes for the load and fault tests: ``lineage serve``, load clients, private databases.

Every wait is bounded: a helper that runs out of time fails the test with what it saw (the
server's log, the client's output), never hangs and never skips.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import grpc

import lineage
from tests.service import _load_client
from tests.service._load_client import Types

REPO = Path(__file__).resolve().parents[2]
_SERVING = re.compile(r"serving .* on (\S+):(\d+)\s*$", re.MULTILINE)


def env() -> dict[str, str]:
    """The environment of a child process: this checkout of lineage first on the path."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [out.get("PYTHONPATH")])])
    out.pop("LINEAGE_SERVER_TOKENS", None)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health(port: int, timeout: float = 5.0) -> str:
    """The health status name of service ``""`` (raises grpc.RpcError when nothing answers)."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


class Serve:
    """``python -m lineage --db URL serve --port 0 ...`` as a child process.

    Its stderr goes to a file (a pipe could fill up under load and stall the server).
    """

    def __init__(self, db: str, directory: Path, *args: str, name: str = "serve") -> None:
        self.db = db
        self.log_path = directory / f"{name}-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "lineage", "--db", db, "serve", "--port", "0", *args]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env(), stdout=self._log, stderr=subprocess.STDOUT
        )
        self.port = 0

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def bound(self, timeout: float = 30.0) -> int:
        """Wait for the "serving ... on host:port" line; the port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _SERVING.search(self.log())
            if found:
                self.port = int(found.group(2))
                return self.port
            assert self.process.poll() is None, f"lineage serve exited early:\n{self.log()}"
            time.sleep(0.05)
        raise AssertionError(f"lineage serve did not bind in {timeout} s:\n{self.log()}")

    def ready(self, timeout: float = 60.0) -> int:
        """Wait until health answers SERVING; the port."""
        deadline = time.monotonic() + timeout
        port = self.port or self.bound(timeout)
        last = "no answer"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"lineage serve exited:\n{self.log()}"
            try:
                last = health(port, timeout=2)
                if last == "SERVING":
                    return port
            except grpc.RpcError as error:
                last = f"{error.code().name}: {error.details()}"
            time.sleep(0.1)
        raise AssertionError(f"health not SERVING in {timeout} s ({last}):\n{self.log()}")

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return int(self.process.wait(timeout))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(
                f"lineage serve still running after {timeout} s:\n{self.log()}"
            ) from None

    def close(self) -> None:
        """Kill the process if it still runs (cleanup after a failed test)."""
        if self.process.poll() is None:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        self._log.close()


def make_types(port: int) -> Types:
    """The artifact, execution and context types the load clients write (through the server)."""
    from tests.service.conftest import Client
    from tests.service.conftest import mpb as m

    client = Client(port)
    try:
        a = client.call(
            "PutArtifactType", m.PutArtifactTypeRequest(artifact_type=m.ArtifactType(name="Out"))
        ).type_id
        x = client.call(
            "PutExecutionType",
            m.PutExecutionTypeRequest(execution_type=m.ExecutionType(name="Step")),
        ).type_id
        c = client.call(
            "PutContextType", m.PutContextTypeRequest(context_type=m.ContextType(name="Run"))
        ).type_id
    finally:
        client.close()
    return Types(int(a), int(x), int(c))


class Load:
    """Client threads in this process plus client processes, all writing marked calls."""

    def __init__(
        self,
        port: int,
        types: Types,
        *,
        threads: int,
        per_thread: int,
        processes: int = 0,
        per_process: int = 0,
        artifacts: int = 1,
        methods: Sequence[str] = ("PutExecution",),
        until_failure: bool = False,
        seconds: float = 60.0,
        aborted_retries: int = 30,
        pause_on_error: float = 0.0,
    ) -> None:
        self.deadline = time.time() + seconds
        self.stop = threading.Event()
        self.thread_records: list[list[dict]] = [[] for _ in range(threads)]
        common: dict[str, Any] = {
            "artifacts": artifacts,
            "methods": tuple(methods),
            "until_failure": until_failure,
            "deadline": self.deadline,
            "aborted_retries": aborted_retries,
        }
        if pause_on_error:
            common["pause_on_error"] = pause_on_error
        self.children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.service._load_client",
                    json.dumps(
                        {
                            "port": port,
                            "types": [types.artifact, types.execution, types.context],
                            "prefix": f"p{n}",
                            "count": per_process,
                            **common,
                            "methods": list(methods),
                        }
                    ),
                ],
                cwd=REPO,
                env=env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(processes)
        ]
        self.threads = [
            threading.Thread(
                target=_load_client.run,
                args=(port, types, f"t{n}", per_thread),
                kwargs={**common, "stop": self.stop, "sink": self.thread_records[n]},
                name=f"load-{n}",
                daemon=True,
            )
            for n in range(threads)
        ]
        for t in self.threads:
            t.start()

    def thread_ok(self) -> int:
        return sum(r["code"] == "OK" for rs in self.thread_records for r in rs)

    def wait_ok(self, count: int, timeout: float) -> None:
        """Wait until the threads have seen ``count`` calls succeed."""
        deadline = time.monotonic() + timeout
        while self.thread_ok() < count:
            assert time.monotonic() < deadline, (
                f"only {self.thread_ok()} calls succeeded in {timeout} s: {self.codes()}"
            )
            time.sleep(0.02)

    def codes(self) -> Counter[str]:
        return Counter(r["code"] for rs in self.thread_records for r in rs)

    def join(self, timeout: float) -> list[dict]:
        """Wait for every client; all records (threads and processes)."""
        deadline = time.monotonic() + timeout
        records = [r for rs in self.thread_records for r in rs]
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
            assert not t.is_alive(), f"client thread {t.name} did not finish in {timeout} s"
        records = [r for rs in self.thread_records for r in rs]
        for child in self.children:
            try:
                out, err = child.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                out, err = child.communicate(timeout=10)
                raise AssertionError(
                    f"client process did not finish in {timeout} s:\n{err}"
                ) from None
            assert child.returncode == 0, f"client process failed ({child.returncode}):\n{err}"
            records += json.loads(out)
        return records

    def close(self) -> None:
        self.stop.set()
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.communicate(timeout=10)


def unexpected(records: Iterable[dict], allowed: Iterable[str] = ("OK",)) -> list[dict]:
    """The records whose code is not in ``allowed``."""
    ok = set(allowed)
    return [r for r in records if r["code"] not in ok]


def show(records: Iterable[dict], limit: int = 5) -> str:
    """What went wrong, for an assertion message: code, details and marker of a few calls."""
    listed = list(records)
    lines = [f"{r['marker']} {r['method']}: {r['code']} {r['details']!r}" for r in listed[:limit]]
    more = f"\n... and {len(listed) - limit} more" if len(listed) > limit else ""
    return "\n".join(lines) + more


def verify(url: str, records: Sequence[dict], artifacts: int) -> set[str]:
    """Check the database against what the clients saw; the markers present.

    Every marker in the database has all its nodes and events (all or nothing); every call a
    client saw succeed is there, with the id the client got; the counts agree with the rows.
    """
    with lineage.MetadataStore(url) as store:
        executions = store.get_executions()
        found_artifacts = store.get_artifacts()
        events = store.get_events_by_execution_ids([e.id for e in executions])
        contexts = store.get_contexts()
        counts = store.counts()
        in_context = (
            {e.id for e in store.get_executions_by_context(contexts[0].id)} if (contexts) else set()
        )
    by_marker: dict[str, Any] = {}
    for e in executions:
        marker = e.custom_properties["marker"].string_value
        assert marker not in by_marker, f"marker {marker} written twice"
        assert e.name == marker
        by_marker[marker] = e
    artifacts_of: dict[str, list[Any]] = defaultdict(list)
    for a in found_artifacts:
        artifacts_of[a.custom_properties["marker"].string_value].append(a)
    events_of: dict[int, list[Any]] = defaultdict(list)
    for ev in events:
        events_of[ev.execution_id].append(ev)
    orphans = set(artifacts_of) - set(by_marker)
    assert not orphans, f"artifacts without their execution (half-written): {sorted(orphans)}"
    for marker, e in by_marker.items():
        mine = artifacts_of[marker]
        assert len(mine) == artifacts, f"{marker}: {len(mine)} of {artifacts} artifacts"
        assert sorted(a.uri for a in mine) == [f"mem://{marker}/{i}" for i in range(artifacts)]
        got = events_of[e.id]
        assert len(got) == artifacts, f"{marker}: {len(got)} of {artifacts} events"
        assert {ev.artifact_id for ev in got} == {a.id for a in mine}
        assert e.id in in_context, f"{marker}: execution not in the shared context"
    assert len(contexts) <= 1, [c.name for c in contexts]
    assert counts["executions"] == len(executions)
    assert counts["artifacts"] == len(found_artifacts)
    assert counts["events"] == len(events)
    for r in records:
        if r["code"] == "OK":
            assert r["marker"] in by_marker, f"{r['marker']} succeeded but is not in the database"
            assert by_marker[r["marker"]].id == r["execution_id"]
    return set(by_marker)


# -- private database servers -------------------------------------------------------------------


def _need(path: str | None, what: str) -> str:
    if not path or not os.path.exists(path):
        raise AssertionError(f"{what} is needed for this test and was not found")
    return path


def _run(command: list[str], timeout: float) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"{command} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    )
    return done.stdout


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary directory, on a free loopback port.

    PostgreSQL refuses to run as root, so it runs as the ``postgres`` user (``runuser``).
    """

    def __init__(self) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2])
        )
        self.bin = _need(versions[-1] if versions else None, "PostgreSQL (/usr/lib/postgresql)")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = _need(shutil.which("runuser"), "runuser (to run postgres as non-root)")
            self.as_user = [runuser, "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="lineage-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://root@127.0.0.1:{self.port}/lineage_private"
        _run(
            [
                *self.as_user,
                f"{self.bin}/initdb",
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "root",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            60,
        )
        self.start()

    def _ctl(self, *args: str) -> None:
        _run([*self.as_user, f"{self.bin}/pg_ctl", "-D", str(self.data), *args], 60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.dir / "log"), "-w", "-t", "30", "-o", options, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "30", "stop")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._ctl("-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateMariaDB:
    """A MariaDB server of our own (``mariadb-install-db`` + ``mariadbd``) on a free port."""

    def __init__(self) -> None:
        self.install = _need(shutil.which("mariadb-install-db"), "mariadb-install-db")
        self.daemon = _need(
            shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/libexec"),
            "mariadbd",
        )
        self.dir = Path(tempfile.mkdtemp(prefix="lineage-my-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"mysql+mysqldb://root@127.0.0.1:{self.port}/lineage_private"
        _run(
            [
                self.install,
                "--no-defaults",
                f"--datadir={self.data}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            120,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = (self.dir / "log").open("ab")
        self.process = subprocess.Popen(
            [
                self.daemon,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.dir / 'sock'}",
                "--user=root",
                "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=2",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, (self.dir / "log").read_text(errors="replace")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            assert time.monotonic() < deadline, "private mariadbd did not listen in 60 s"
            time.sleep(0.1)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), waited for."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)
        self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)
