"""Start a ``lineage`` server process on a loopback port and find its URL in what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

URL = r"(http://127\.0\.0\.1:\d+)"


def start(*args: str, pattern: str = URL, timeout: float = 60) -> tuple[subprocess.Popen[str], str]:
    """Run ``python -m lineage ARGS`` and wait for the first stderr line matching ``pattern``.

    Returns the process (its stderr drained on a thread from then on, so it never blocks on a
    full pipe; ``process.log`` holds the lines) and the URL the pattern's group found.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "lineage", *args], stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    log: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stderr.readline()
        log.append(line)
        found = re.search(pattern, line)
        if found:
            reader = threading.Thread(target=log.extend, args=(process.stderr,), daemon=True)
            reader.start()
            process.log = log  # type: ignore[attr-defined]
            process.reader = reader  # type: ignore[attr-defined]
            return process, found.group(1)
    process.kill()
    raise AssertionError("the server did not start: " + "".join(log))


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a process :func:`start` started."""
    process.terminate()
    process.wait(timeout=30)
    reader = getattr(process, "reader", None)
    if reader is not None:
        reader.join(timeout=10)  # the server has exited: its stderr reaches its end
    if process.stderr is not None:
        process.stderr.close()


def serve_with_ui(
    db: str | os.PathLike[str], tokens: str | os.PathLike[str]
) -> tuple[subprocess.Popen[str], str]:
    """``lineage serve --ui`` on ``db`` behind the tokens file ``tokens``, both on free loopback
    ports; returns the process and the web app's URL."""
    return start(
        "--db",
        os.fspath(db),
        "serve",
        "--port",
        "0",
        "--tokens-file",
        os.fspath(tokens),
        "--ui",
        "--ui-port",
        "0",
        pattern=r"(http://127\.0\.0\.1:\d+)/runs",
    )


def serve_grpc(
    db: str | os.PathLike[str], timeout: float = 60
) -> tuple[subprocess.Popen[str], int]:
    """``lineage serve`` on ``db`` on a free loopback port, once its database is ready.

    Returns the process and the gRPC port.
    """
    process, port = start(
        "--db", os.fspath(db), "serve", "--port", "0", pattern=r"on 127\.0\.0\.1:(\d+)"
    )
    deadline = time.monotonic() + timeout
    while not any("database ready" in line for line in list(process.log)):  # type: ignore[attr-defined]
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError("the server's database did not come up: " + "".join(process.log))  # type: ignore[attr-defined]
        time.sleep(0.05)
    return process, int(port)
