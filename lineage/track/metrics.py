"""Metrics of a run: final values and step series, kept compactly in memory and in the store.

Each metric has a final value (the last one logged). A metric logged with a ``step``, or logged
more than once, also has a series: steps and values kept in ``array`` buffers (8 bytes each)
while the run lasts and written once at the end, packed (:func:`pack_series`: 16 bytes a point,
in ``proto_value``; decision D40). Series longer than
:data:`lineage.conventions.MAX_SERIES_POINTS` are thinned to that many evenly spaced points,
first and last kept; the final value is always exact.

Example:
    >>> log = MetricLog()
    >>> for step, loss in enumerate([0.9, 0.5, 0.3]):
    ...     log.log("loss", loss, step=step)
    >>> log.final()
    {'loss': 0.3}
    >>> log.series()["loss"].steps
    (0, 1, 2)
"""

from __future__ import annotations

import numbers
import struct
import sys
import threading
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lineage.conventions import MAX_SERIES_POINTS, METRIC_PREFIX, SERIES_PREFIX
from lineage.errors import InvalidArgumentError

__all__ = [
    "SERIES_MAGIC",
    "MetricLog",
    "Series",
    "check_name",
    "pack_series",
    "thin",
    "unpack_series",
]

#: The first bytes of a packed series (:func:`pack_series`), version 1.
SERIES_MAGIC: Final = b"LSR1"
_HEADER = struct.Struct("<4sI")

#: Longest metric name (MLMD property names are at most 255 characters).
MAX_NAME: Final = 255 - max(len(METRIC_PREFIX), len(SERIES_PREFIX))


@dataclass(frozen=True)
class Series:
    """The steps and values logged for one metric, in logging order."""

    steps: tuple[int, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.steps)


def check_name(name: Any, what: str = "metric") -> str:
    """Return ``name`` if it can name a metric (or a tag), else raise naming the problem.

    Names are non-empty strings of at most 240 printable characters without backquotes (so a
    filter query can name them), not starting or ending with a space, and not starting with
    ``series.`` (that prefix holds series on the Metrics artifact).

    Raises:
        InvalidArgumentError: The name is not acceptable.
    """
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"a {what} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME:
        raise InvalidArgumentError(
            f"{what} name {name[:40]!r}... is {len(name)} characters long; at most {MAX_NAME}"
        )
    if name != name.strip() or "`" in name or not name.isprintable():
        raise InvalidArgumentError(
            f"{what} name {name!r} must be printable, without backquotes or surrounding spaces"
        )
    if what == "metric" and name.startswith(SERIES_PREFIX):
        raise InvalidArgumentError(
            f"metric name {name!r} may not start with {SERIES_PREFIX!r} (reserved for series)"
        )
    return name


def _check_value(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(
            f"metric {name!r} must be a number, got {type(value).__name__}: {value!r}"
        )
    return float(value)


def _check_step(name: str, step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidArgumentError(
            f"the step of metric {name!r} must be an integer, got {type(step).__name__}: {step!r}"
        )
    return int(step)


def thin(steps: array[int], values: array[float], limit: int = MAX_SERIES_POINTS) -> Series:
    """A :class:`Series` of at most ``limit`` points, evenly spaced, first and last kept."""
    n = len(steps)
    if n <= limit:
        return Series(tuple(steps), tuple(values))
    if limit < 2:
        return Series((steps[-1],), (values[-1],))
    picks = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return Series(tuple(steps[i] for i in picks), tuple(values[i] for i in picks))


def pack_series(steps: Any, values: Any) -> bytes:
    """A series as bytes: ``LSR1``, the point count (uint32), the steps (int64) then the values
    (float64), all little-endian.

    Example:
        >>> data = pack_series([0, 1, 2], [0.9, 0.5, 0.3])
        >>> len(data), unpack_series(data).values
        (56, (0.9, 0.5, 0.3))
    """
    s = array("q", steps)
    v = array("d", values)
    if len(s) != len(v):
        raise InvalidArgumentError(f"a series needs as many steps as values: {len(s)} ≠ {len(v)}")
    if sys.byteorder == "big":  # pragma: no cover - the layout is little-endian everywhere
        s.byteswap()
        v.byteswap()
    return _HEADER.pack(SERIES_MAGIC, len(s)) + s.tobytes() + v.tobytes()


def unpack_series(data: bytes) -> Series:
    """The :class:`Series` that :func:`pack_series` made.

    Raises:
        InvalidArgumentError: The bytes are not a packed series.
    """
    if len(data) < _HEADER.size:
        raise InvalidArgumentError("not a packed metric series: too short")
    magic, n = _HEADER.unpack_from(data)
    if magic != SERIES_MAGIC or len(data) != _HEADER.size + 16 * n:
        raise InvalidArgumentError("not a packed metric series (lineage series v1)")
    s = array("q")
    v = array("d")
    s.frombytes(data[_HEADER.size : _HEADER.size + 8 * n])
    v.frombytes(data[_HEADER.size + 8 * n :])
    if sys.byteorder == "big":  # pragma: no cover
        s.byteswap()
        v.byteswap()
    return Series(tuple(s), tuple(v))


class MetricLog:
    """The metrics of one run (thread-safe)."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._order: dict[str, None] = {}  # metric names in the order first logged
        self._scalars: dict[str, float] = {}  # the value of a metric logged once, no step
        self._series: dict[str, tuple[array[int], array[float]]] = {}
        self._lock = threading.Lock()

    def log(self, name: str, value: Any, step: Any = None) -> None:
        """Record a value; with ``step`` (or on the second value) it also joins the series.

        Raises:
            InvalidArgumentError: A bad name, a value that is not a real number, or a step that
                is not an integer.
        """
        if name not in self._names:  # a name is checked once (the common case is a loop)
            check_name(name)
            self._names.add(name)
        number = value if type(value) is float else _check_value(name, value)
        if step is not None and type(step) is not int:
            step = _check_step(name, step)
        with self._lock:
            pair = self._series.get(name)
            if pair is not None and step is not None:  # a series going on: the common case
                pair[0].append(step)
                pair[1].append(number)
                return
            self._order.setdefault(name, None)
            if pair is None:
                if step is None and name not in self._scalars:
                    self._scalars[name] = number
                    return
                pair = self._series[name] = (array("q"), array("d"))
                if name in self._scalars:  # the first value becomes step 0
                    pair[0].append(0)
                    pair[1].append(self._scalars.pop(name))
            if step is None:
                step = pair[0][-1] + 1 if pair[0] else 0
            pair[0].append(step)
            pair[1].append(number)

    def log_many(self, metrics: Mapping[str, Any], step: Any = None) -> None:
        """Record several metrics at once (all checked before any is recorded)."""
        if not isinstance(metrics, Mapping):
            raise InvalidArgumentError(
                f"metrics must be a mapping of name to number, got {type(metrics).__name__}"
            )
        for name, value in metrics.items():
            if name not in self._names:
                check_name(name)
            if type(value) is not float:
                _check_value(name, value)
        if step is not None:
            _check_step(next(iter(metrics), "metrics"), step)
        for name, value in metrics.items():
            self.log(name, value, step)

    def final(self) -> dict[str, float]:
        """Metric name → the last value logged."""
        with self._lock:
            return {
                name: self._series[name][1][-1] if name in self._series else self._scalars[name]
                for name in self._order
            }

    def series(self) -> dict[str, Series]:
        """Metric name → its series (thinned), for the metrics that have one."""
        with self._lock:
            return {name: thin(*self._series[name]) for name in self._order if name in self._series}

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._order)
