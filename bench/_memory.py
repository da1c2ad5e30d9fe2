"""Peak memory of one operation, measured in a fresh process so one library cannot mask another.

Two numbers per operation:

* **RSS peak growth** (the comparison the targets use): the process's resident set size
  ``VmHWM`` (peak) minus ``VmRSS`` just before the call, read from ``/proc/self/status``. The peak
  is reset right before the call by writing ``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0),
  so it is the high-water mark of this call alone. It sees everything: Python objects, protobuf's
  upb arenas, ml-metadata's C++ heap, SQLite's page cache and the driver's buffers.
* **tracemalloc peak**: the most memory allocated through Python's allocator during a second call
  (``tracemalloc`` is started only for it, so its own bookkeeping does not inflate the RSS
  figure). It does not see C/C++ allocations: ml-metadata's work, protobuf (upb) message storage
  and SQLite's caches are invisible to it, so it only compares the Python-side overhead.

The child process imports both libraries (so both baselines are alike), opens one store, and runs
the operation once on a node with a trivial walk (imports, statement compilation, the
connection: one-time costs that are not the operation's) before the measured call.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["MemoryResult", "measure", "measure_in_subprocess", "reset_peak", "rss_kib"]


@dataclass(frozen=True)
class MemoryResult:
    """Memory an operation needed (KiB)."""

    rss_peak_kib: int
    tracemalloc_peak_kib: int
    rss_before_kib: int
    error: str | None = None


def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def rss_kib() -> int:
    """The current resident set size (KiB)."""
    return _status("VmRSS")


def reset_peak() -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS; False when the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def measure(operation: Callable[[], Any]) -> MemoryResult:
    """Measure ``operation`` in this process: RSS peak growth, then tracemalloc peak."""
    gc.collect()
    if not reset_peak():
        raise RuntimeError("cannot reset the peak RSS (/proc/self/clear_refs)")
    before = rss_kib()
    result = operation()
    peak = _status("VmHWM")
    del result
    gc.collect()
    tracemalloc.start()
    try:
        result = operation()
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return MemoryResult(
        rss_peak_kib=max(0, peak - before),
        tracemalloc_peak_kib=traced // 1024,
        rss_before_kib=before,
    )


def measure_in_subprocess(
    script: str, spec: dict[str, Any], timeout: float = 1800.0
) -> MemoryResult:
    """Run ``python script --memory-child JSON`` and parse the :class:`MemoryResult` it prints."""
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    proc = subprocess.run(
        [sys.executable, script, "--memory-child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    line = next(
        (x for x in reversed(proc.stdout.splitlines()) if x.startswith("{")),
        None,
    )
    if proc.returncode != 0 or line is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return MemoryResult(0, 0, 0, error=" | ".join(tail) or f"exit {proc.returncode}")
    data = json.loads(line)
    return MemoryResult(**data)


def child_report(result: MemoryResult) -> None:
    """Print the result for the parent (the last line of stdout)."""
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(result.__dict__), flush=True)
