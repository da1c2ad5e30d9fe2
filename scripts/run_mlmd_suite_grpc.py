"""Run ml-metadata 1.17.1's own test file in gRPC mode against ``lineage serve``.

Usage: python scripts/run_mlmd_suite_grpc.py --backend sqlite|mysql|postgresql [--client lineage]

ml-metadata's own gRPC client (``MetadataStoreClientConfig``) talks to a ``lineage serve``
subprocess on a fresh database (with ``--client lineage``: lineage's remote store, swapped in
for ``ml_metadata.MetadataStore`` by tests/mlmd_suite/conftest.py), twice:

1. the test file exactly as the wheel ships it, with ``--use_grpc_backend``: everything passes
   but the 4 ``test_connection_config_with_grpc_*`` cases, whose harness lines are broken
   upstream (they call ``_get_metadata_store`` without ``cli_args``, or as
   ``self.self.cli_args``) — those 4, and only those, must fail;
2. a copy with only those 4 call lines mended, on another fresh database: all 108 must pass.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _mlmd_wheel import suite_source

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_CASES = 108
BROKEN_UPSTREAM = {
    "test_connection_config_with_grpc_client_timeout_sec_errors",
    "test_connection_config_with_grpc_http2_max_ping_strikes",
    "test_connection_config_with_grpc_max_receive_message_length",
    "test_connection_config_with_grpc_max_receive_message_length_errors",
}
SERVERS = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mend(text: str) -> str:
    """The 4 upstream harness lines, calling ``_get_metadata_store`` with ``cli_args``."""
    mended = text.replace("(self.self.cli_args,", "(self.cli_args,")
    mended = mended.replace("_get_metadata_store(grpc_", "_get_metadata_store(self.cli_args, grpc_")
    changed = sum(a != b for a, b in zip(text.splitlines(), mended.splitlines(), strict=True))
    if changed != 4:
        raise SystemExit(f"expected to mend 4 harness lines, mended {changed}")
    return mended


class Database:
    """A fresh database for one server (a SQLite file, or a new server database)."""

    def __init__(self, backend: str, work: Path) -> None:
        import sqlalchemy as sa

        self.backend = backend
        self.name = f"lineage_grpc_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            self.url = str(work / f"{self.name}.db")
            self.admin = None
        else:
            base = sa.make_url(SERVERS[backend])
            self.url = base.set(database=self.name).render_as_string(hide_password=False)
            self.admin = base

    def drop(self) -> None:
        if self.admin is None:
            return
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin, isolation_level="AUTOCOMMIT")
        quote = "`" if self.backend == "mysql" else '"'
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{self.name}{quote}")
        engine.dispose()


def _run(work: Path, test_file: Path, backend: str, label: str, client: str) -> dict[str, str]:
    """Start a server on a fresh database, run the file through ml-metadata's client."""
    db = Database(backend, work)
    port = _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    log = open(work / f"server-{label}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "lineage", "--db", db.url, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "database ready" not in (work / f"server-{label}.log").read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                print((work / f"server-{label}.log").read_text(), file=sys.stderr)
                raise SystemExit(f"{label}: the server did not come up")
            time.sleep(0.1)
        report = work / f"report-{label}.txt"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--runxfail",
            "-rA",
            str(test_file),
            "--use_grpc_backend",
            "--grpc_host",
            "127.0.0.1",
            "--grpc_port",
            str(port),
        ]
        test_tmp = work / f"tmp-{label}"
        test_tmp.mkdir()
        run_env = dict(env, TEST_TMPDIR=str(test_tmp), LINEAGE_MLMD_SUITE_CLIENT=client)
        result = subprocess.run(
            command, cwd=test_file.parent, env=run_env, capture_output=True, text=True
        )
        report.write_text(result.stdout + result.stderr)
        outcomes: dict[str, str] = {}
        for line in result.stdout.splitlines():
            found = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) \S+::(\w+)", line)
            if found:
                outcomes[found.group(2) + f"#{len(outcomes)}"] = found.group(1)
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        print(f"mlmd suite over gRPC ({backend}, {label}, {client} client): {summary}", flush=True)
        if result.returncode not in (0, 1):
            print(result.stdout[-4000:], result.stderr[-4000:], file=sys.stderr)
        return outcomes
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        db.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "mysql", "postgresql"), default="sqlite")
    parser.add_argument("--keep", type=Path, help="keep the reports and server logs here")
    parser.add_argument(
        "--client",
        choices=("mlmd", "lineage"),
        default="mlmd",
        help="whose gRPC client runs the tests: ml-metadata's or lineage's remote store",
    )
    parser.add_argument(
        "--wheel",
        help="read the test files from this ml-metadata wheel (when ml_metadata is lineage's)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lineage-mlmd-grpc-") as tmp:
        work = Path(tmp)
        if args.keep:
            work = args.keep
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        source = suite_source(args.wheel, work / "source")
        upstream = work / "upstream"
        mended = work / "mended"
        for folder in (upstream, mended):
            folder.mkdir()
            if args.client == "lineage":
                shutil.copy(ROOT / "tests" / "mlmd_suite" / "conftest.py", folder / "conftest.py")
            else:
                shutil.copy(source / "conftest.py", folder / "conftest.py")
        text = (source / "metadata_store_test.py").read_text()
        (upstream / "metadata_store_test.py").write_text(text)
        (mended / "metadata_store_test.py").write_text(_mend(text))

        first = _run(
            work, upstream / "metadata_store_test.py", args.backend, "unmodified", args.client
        )
        failed = {k.split("#")[0] for k, v in first.items() if v != "PASSED"}
        passed = sum(v == "PASSED" for v in first.values())
        ok = failed == BROKEN_UPSTREAM and passed == EXPECTED_CASES - len(BROKEN_UPSTREAM)
        second = _run(work, mended / "metadata_store_test.py", args.backend, "mended", args.client)
        passed_mended = sum(v == "PASSED" for v in second.values())
        ok = ok and passed_mended == EXPECTED_CASES and len(second) == EXPECTED_CASES
    if not ok:
        print(
            f"mlmd suite over gRPC ({args.backend}, {args.client} client): FAILED: unmodified run "
            f"failed {sorted(failed)} (expected exactly {sorted(BROKEN_UPSTREAM)}); mended run "
            f"{passed_mended}/{EXPECTED_CASES} passed",
            file=sys.stderr,
        )
        return 1
    print(
        f"mlmd suite over gRPC ({args.backend}, {args.client} client): unmodified {passed} passed "
        f"+ the 4 cases broken upstream; mended {passed_mended}/{EXPECTED_CASES} passed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
