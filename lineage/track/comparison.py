"""``lineage.compare(store, runs)``: what differs between runs, as a table, JSON or Markdown.

Runs are compared section by section: ``params``, ``metrics``, ``code`` (commit, branch, dirty
tree, diff hash, entry point, command), ``data`` (the fingerprints of inputs, outputs and config
files, matched by their event name, else by path), ``environment`` (Python, platform, the
environment fingerprint) and ``packages`` (installed versions). A value a run does not have is
None (shown as ``—``). By default the outputs show the rows that differ, plus every metric;
``all=True`` shows every row.

Example:
    >>> import lineage
    >>> store = lineage.MetadataStore("sqlite://")
    >>> runs = []
    >>> for lr in (0.1, 0.01):
    ...     with lineage.run("train", params={"lr": lr, "epochs": 3}, store=store,
    ...                      capture={"environment": False}) as r:
    ...         r.log_metric("auc", 0.9 + lr)
    ...     runs.append(r)
    >>> diff = lineage.compare(store, runs)
    >>> diff.params
    {'lr': (0.1, 0.01)}
    >>> print(diff.to_markdown().splitlines()[0])
    # Comparison of 2 runs
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.track.runs import ArtifactInfo, RunInfo, get_runs
from lineage.track.stores import StoreLike, open_store

__all__ = ["SECTIONS", "Comparison", "Row", "compare"]

#: The sections of a comparison, in display order.
SECTIONS: Final = ("params", "metrics", "code", "data", "environment", "packages")
#: Sections shown in full even when ``all`` is False.
ALWAYS_SHOWN: Final = frozenset({"metrics"})
MISSING: Final = "—"
NO_DIFFERENCE: Final = "No differences in parameters, code, data or environment."


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class Row:
    """One compared item: its section, key and the value for each run (None when absent)."""

    section: str
    key: str
    values: tuple[Any, ...]

    @property
    def differs(self) -> bool:
        """True when not every run has the same value."""
        return len({_canonical(v) for v in self.values}) > 1


def _text(value: Any, *, short: bool = True) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    if short and text.startswith("sha256:") and len(text) > 19:
        return text[:19]
    return text


def _cells(row: Row) -> list[str]:
    """A row's values as text: reals with 6 significant digits unless that hides a difference."""
    short = [
        format(v, ".6g") if isinstance(v, float) and not isinstance(v, bool) else _text(v)
        for v in row.values
    ]
    if row.differs and len(set(short)) < len({_canonical(v) for v in row.values}):
        return [_text(v) for v in row.values]
    return short


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _time(ms: int | None) -> str:
    if not ms:
        return MISSING
    when = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%SZ")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return MISSING
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split()) or " "


@dataclass(frozen=True)
class Comparison:
    """The differences between runs.

    Attributes:
        runs: The compared runs, in the order given.
        rows: Every compared item (same and different), by section then key.
    """

    runs: tuple[RunInfo, ...]
    rows: tuple[Row, ...]

    # ------------------------------------------------------------------ access
    def section(self, name: str, *, all: bool = False) -> tuple[Row, ...]:
        """The rows of one section (only those that differ, unless ``all`` or metrics).

        Raises:
            InvalidArgumentError: An unknown section.
        """
        if name not in SECTIONS:
            raise InvalidArgumentError(f"unknown section {name!r}; use one of {SECTIONS}")
        show_all = all or name in ALWAYS_SHOWN
        return tuple(r for r in self.rows if r.section == name and (show_all or r.differs))

    def differences(self) -> dict[str, dict[str, tuple[Any, ...]]]:
        """Section → key → values, for the rows that differ (empty sections left out)."""
        out: dict[str, dict[str, tuple[Any, ...]]] = {}
        for row in self.rows:
            if row.differs:
                out.setdefault(row.section, {})[row.key] = row.values
        return out

    def _diff(self, section: str) -> dict[str, tuple[Any, ...]]:
        return {r.key: r.values for r in self.rows if r.section == section and r.differs}

    @property
    def params(self) -> dict[str, tuple[Any, ...]]:
        """Parameters that differ: name → values."""
        return self._diff("params")

    @property
    def metrics(self) -> dict[str, tuple[Any, ...]]:
        """Metrics that differ: name → final values."""
        return self._diff("metrics")

    @property
    def code(self) -> dict[str, tuple[Any, ...]]:
        """Code fields that differ (``commit``, ``dirty``, ...)."""
        return self._diff("code")

    @property
    def data(self) -> dict[str, tuple[Any, ...]]:
        """Data whose fingerprints differ: ``input NAME`` / ``output NAME`` → fingerprints."""
        return self._diff("data")

    @property
    def packages(self) -> dict[str, tuple[Any, ...]]:
        """Installed packages whose versions differ: name → versions."""
        return self._diff("packages")

    @property
    def identical(self) -> bool:
        """True when no row differs (metrics included)."""
        return not any(r.differs for r in self.rows)

    # ------------------------------------------------------------------ output
    def _any_difference(self) -> bool:
        return any(r.differs for r in self.rows if r.section not in ALWAYS_SHOWN)

    def _run_header(self, run: RunInfo) -> dict[str, Any]:
        return {
            "id": run.id,
            "ref": run.ref,
            "name": run.name,
            "type": run.type,
            "state": run.state,
            "start_time": run.start_time,
            "end_time": run.end_time,
            "duration_s": run.duration,
            "experiments": list(run.experiments),
            "tags": list(run.tags),
        }

    def to_dict(self, *, all: bool = False) -> dict[str, Any]:
        """A JSON-ready dict: ``runs`` and, per section, key → list of values (one per run)."""
        return {
            "runs": [self._run_header(r) for r in self.runs],
            "sections": {
                name: {r.key: _json_safe(list(r.values)) for r in self.section(name, all=all)}
                for name in SECTIONS
            },
            "identical": self.identical,
        }

    def to_json(self, *, all: bool = False, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (sorted keys)."""
        return json.dumps(self.to_dict(all=all), indent=indent, sort_keys=True, ensure_ascii=False)

    def _summary_rows(self) -> list[tuple[str, list[str]]]:
        return [
            ("name", [r.name or MISSING for r in self.runs]),
            ("type", [r.type for r in self.runs]),
            ("state", [r.state for r in self.runs]),
            ("started", [_time(r.start_time) for r in self.runs]),
            ("duration", [_duration(r.duration) for r in self.runs]),
            ("experiment", [", ".join(r.experiments) or MISSING for r in self.runs]),
            ("tags", [", ".join(r.tags) or MISSING for r in self.runs]),
        ]

    def to_markdown(self, *, all: bool = False) -> str:
        """The comparison as Markdown: a summary table, then one table per non-empty section."""
        heads = [r.ref for r in self.runs]
        lines = [f"# Comparison of {len(self.runs)} runs", ""]
        lines += ["| | " + " | ".join(_md(h) for h in heads) + " |"]
        lines += ["|---" * (len(heads) + 1) + "|"]
        for key, values in self._summary_rows():
            lines.append(f"| {key} | " + " | ".join(_md(v) for v in values) + " |")
        for name in SECTIONS:
            rows = self.section(name, all=all)
            if not rows:
                continue
            lines += ["", f"## {name.capitalize()}", ""]
            lines.append(f"| {name} | " + " | ".join(_md(h) for h in heads) + " |")
            lines.append("|---" * (len(heads) + 1) + "|")
            for row in rows:
                cells = [_md(v) for v in _cells(row)]
                key = f"**{_md(row.key)}**" if row.differs else _md(row.key)
                lines.append(f"| {key} | " + " | ".join(cells) + " |")
        if not self._any_difference():
            lines += ["", NO_DIFFERENCE]
        return "\n".join(lines) + "\n"

    def to_table(self, *, all: bool = False) -> Any:
        """The comparison as a rich renderable (a group of tables), for ``rich.print``."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        heads = [r.ref for r in self.runs]
        summary = Table(title="Runs", title_justify="left", header_style="bold")
        summary.add_column("")
        for head in heads:
            summary.add_column(head, overflow="fold")
        for key, values in self._summary_rows():
            summary.add_row(Text(key), *(Text(v) for v in values))
        parts: list[Any] = [summary]
        for name in SECTIONS:
            rows = self.section(name, all=all)
            if not rows:
                continue
            table = Table(title=name.capitalize(), title_justify="left", header_style="bold")
            table.add_column(name, overflow="fold")
            for head in heads:
                table.add_column(head, overflow="fold")
            for row in rows:
                style = "bold yellow" if row.differs else ""
                table.add_row(
                    Text(row.key, style=style), *(Text(v, style=style) for v in _cells(row))
                )
            parts.append(table)
        if not self._any_difference():
            parts.append(Text(NO_DIFFERENCE))
        return Group(*parts)

    def __rich__(self) -> Any:
        return self.to_table()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


# ------------------------------------------------------------------------------ building
def _data_label(artifact: ArtifactInfo) -> str:
    head = artifact.path.split("[")[0].split(".")[0]
    if head in (cv.EVENT_KEY_INPUTS, cv.EVENT_KEY_OUTPUTS, cv.EVENT_KEY_CONFIG, ""):
        where = artifact.uri or artifact.name or f"artifact:{artifact.id}"
    else:
        where = artifact.path
    return f"{artifact.direction if head != cv.EVENT_KEY_CONFIG else 'config'} {where}"


def _data_value(artifact: ArtifactInfo) -> str:
    return artifact.fingerprint or f"{artifact.uri} (not hashed)"


def _rows(section: str, values: Sequence[Mapping[str, Any]]) -> list[Row]:
    keys = sorted(set().union(*(v.keys() for v in values)))
    return [Row(section, key, tuple(v.get(key) for v in values)) for key in keys]


def _data(run: RunInfo) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for artifact in (*run.configs, *run.inputs, *run.outputs):
        out.setdefault(_data_label(artifact), _data_value(artifact))
    return out


def _environment(run: RunInfo) -> dict[str, Any]:
    env = run.environment
    if env is None:
        return {}
    return {
        "python": env.python_version,
        "implementation": env.python_implementation,
        "platform": env.platform,
        "fingerprint": env.fingerprint,
    }


def build(runs: Sequence[RunInfo]) -> Comparison:
    """A :class:`Comparison` of runs already read from the store."""
    rows: list[Row] = []
    rows += _rows("params", [r.params for r in runs])
    rows += _rows("metrics", [r.metrics for r in runs])
    rows += _rows("code", [r.code for r in runs])
    rows += _rows("data", [_data(r) for r in runs])
    rows += _rows("environment", [_environment(r) for r in runs])
    rows += _rows("packages", [dict(r.environment.packages) if r.environment else {} for r in runs])
    return Comparison(runs=tuple(runs), rows=tuple(rows))


def compare(store: StoreLike, runs: Iterable[Any]) -> Comparison:
    """Compare runs: parameters, metrics, code, data fingerprints, environment and packages.

    Args:
        store: A ``MetadataStore``, a URL or a path (None: ``$LINEAGE_DB``, else
            ``./lineage.db``).
        runs: Two or more runs: execution ids, ``Execution`` protos, :class:`Run` s, or
            names as ``lineage show`` takes them (``execution:12``, ``12``, a run name).

    Returns:
        The :class:`Comparison`; print it with ``rich.print(c.to_table())``, or use
        ``c.to_json()`` / ``c.to_markdown()`` / ``c.params`` etc.

    Raises:
        InvalidArgumentError: Fewer than two runs, the same run twice, or a reference that
            names an artifact or context.
        NotFoundError: A run that does not exist.
    """
    items: list[Any] = [runs] if isinstance(runs, (str, bytes)) else list(runs)
    if len(items) < 2:
        raise InvalidArgumentError(f"compare needs at least two runs, got {len(items)}")
    if store is None:  # runs recorded in this process know their store
        store = next((r.store for r in items if getattr(r, "store", None) is not None), None)
    infos = get_runs(open_store(store), items)
    seen: dict[int, int] = {}
    for i, info in enumerate(infos):
        if info.id in seen:
            raise InvalidArgumentError(
                f"run {info.label} is given twice (positions {seen[info.id] + 1} and {i + 1})"
            )
        seen[info.id] = i
    return build(infos)
