"""Resident memory of this process, sampled in a background thread (Linux ``/proc``).

``VmHWM`` is the kernel's own high-water mark of the resident set; the sampler also keeps the
largest ``VmRSS`` it saw and a coarse timeline, so a log shows whether memory grows with the
data (unbounded) or stays flat (bounded by the batch).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["RssSampler", "status_kib"]


def status_kib(name: str) -> int:
    """A ``/proc/self/status`` field in KiB (``VmRSS``, ``VmHWM``...); 0 when absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class RssSampler:
    """Samples VmRSS every ``interval`` seconds while running (use as a context manager)."""

    interval: float = 1.0
    max_rss_kib: int = 0
    start_rss_kib: int = 0
    hwm_kib: int = 0
    timeline: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _started: float = 0.0

    def _sample(self) -> None:
        rss = status_kib("VmRSS")
        self.max_rss_kib = max(self.max_rss_kib, rss)
        elapsed = time.perf_counter() - self._started
        if not self.timeline or elapsed - self.timeline[-1][0] >= 30:
            self.timeline.append((round(elapsed, 1), rss))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self._started = time.perf_counter()
        self.start_rss_kib = status_kib("VmRSS")
        self._sample()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self.hwm_kib = status_kib("VmHWM")
