"""``lineage.compare(store, runs)``: what differs between runs, as a table, JSON or Markdown.

Runs are compared section by section: ``params``, ``metrics``, ``code`` (commit, branch, dirty
tree, diff hash, entry point, command), ``data`` (the fingerprints of inputs, outputs and config
files, matched by their event name, else by path), ``environment`` (Python, platform, the
environment fingerprint) and ``packages`` (installed versions). A value a run does not have is
None (shown as ``—``). By default the outputs show the rows that differ, plus every metric;
``all=True`` shows every row.

When the runs ran in notebooks, their code cells (the ``code.notebook_script`` each run
recorded) are compared cell by cell too: each run against the first, cells matched with difflib
and numbered from 1, each added, removed or changed cell shown with its lines (a unified diff
for a changed cell); a run without a recorded script is named instead (:class:`NotebookDiff`).

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
import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.track.runs import ArtifactInfo, RunInfo, get_runs
from lineage.track.source import script_cells
from lineage.track.stores import StoreLike, open_store

__all__ = [
    "SECTIONS",
    "SIGNIFICANT_DIGITS",
    "CellChange",
    "Comparison",
    "NotebookDiff",
    "Row",
    "compare",
    "format_number",
]

#: The sections of a comparison, in display order.
SECTIONS: Final = ("params", "metrics", "code", "data", "environment", "packages")
#: Sections shown in full even when ``all`` is False.
ALWAYS_SHOWN: Final = frozenset({"metrics"})
MISSING: Final = "—"
#: Significant digits of a real in tables (unless fewer would hide a difference between runs).
SIGNIFICANT_DIGITS: Final = 6
NO_DIFFERENCE: Final = "No differences in parameters, code, data or environment."
#: The ``code.*`` key of a notebook's script (compared cell by cell, not as a row).
_SCRIPT_KEY: Final = cv.CODE_NOTEBOOK_SCRIPT[len(cv.CODE_PREFIX) :]
_SKIPPED_KEY: Final = cv.CODE_NOTEBOOK_SCRIPT_SKIPPED[len(cv.CODE_PREFIX) :]


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


def format_number(value: float) -> str:
    """A real number as tables show it (``runs compare``, ``runs ls``, ``runs show``, ``show``).

    Six significant digits, so float noise is gone (``0.8700000000000001`` → ``0.87``); a whole
    number below 2**53 in full (times in milliseconds and sizes stored as doubles stay exact).

    Example:
        >>> format_number(0.8 + 0.07), format_number(1 / 3), format_number(1_700_000_000_123.0)
        ('0.87', '0.333333', '1700000000123')
    """
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return format(value, f".{SIGNIFICANT_DIGITS}g")


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
    """A row's values as text: reals by :func:`format_number` unless that hides a difference."""
    short = [format_number(v) if isinstance(v, float) else _text(v) for v in row.values]
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
class CellChange:
    """A code cell that differs between two notebook runs.

    Attributes:
        change: ``added``, ``removed`` or ``changed``.
        old: The cell's number (from 1) in the first run's notebook; None for an added cell.
        new: Its number in the other run's notebook; None for a removed cell.
        lines: A unified diff of a changed cell (``@@`` hunks), or an added (removed) cell's
            lines, each after ``+`` (``-``).
    """

    change: str
    old: int | None
    new: int | None
    lines: tuple[str, ...]

    @property
    def title(self) -> str:
        """``cell 2 changed``, ``cell 2 → 3 changed``, ``cell 4 added``, ``cell 3 removed``."""
        if self.change == "changed" and self.old != self.new:
            return f"cell {self.old} → {self.new} changed"
        return f"cell {self.old if self.new is None else self.new} {self.change}"

    def to_dict(self) -> dict[str, Any]:
        """``change``, ``old_cell``, ``new_cell`` and ``diff`` (the lines)."""
        return {
            "change": self.change,
            "old_cell": self.old,
            "new_cell": self.new,
            "diff": list(self.lines),
        }


@dataclass(frozen=True)
class NotebookDiff:
    """The code cells of a notebook run against those of the first run.

    Attributes:
        old: The first run (``execution:ID``).
        new: The run compared with it.
        changes: The cells that differ, in notebook order (empty when the cells are the same).
        note: Why there is no cell diff (a run without a recorded script), else None.
    """

    old: str
    new: str
    changes: tuple[CellChange, ...] = ()
    note: str | None = None

    @property
    def title(self) -> str:
        """``Notebook cells: execution:1 → execution:2: 1 changed, 1 added`` (or the note)."""
        return "Notebook cells: " + self.summary

    @property
    def summary(self) -> str:
        """The title without ``Notebook cells:``."""
        head = f"{self.old} → {self.new}"
        if self.note is not None:
            return f"{head}: {self.note}"
        if not self.changes:
            return f"{head}: the code cells are the same"
        counts = {c.change: 0 for c in self.changes}
        for c in self.changes:
            counts[c.change] += 1
        return f"{head}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())

    def to_dict(self) -> dict[str, Any]:
        """``old``, ``new``, ``cells`` (the changes) and ``note``."""
        return {
            "old": self.old,
            "new": self.new,
            "cells": [c.to_dict() for c in self.changes],
            "note": self.note,
        }


def diff_cells(old: Sequence[str], new: Sequence[str]) -> tuple[CellChange, ...]:
    """The cells added, removed and changed from ``old`` to ``new`` (cell sources).

    Cells are matched by difflib's ``SequenceMatcher``; within a replaced stretch, cells pair
    up in order (``changed``) and the rest are removed or added.
    """
    out: list[CellChange] = []
    matcher = difflib.SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            a, b = old[i1 + k].splitlines(), new[j1 + k].splitlines()
            hunks = list(difflib.unified_diff(a, b, lineterm=""))[2:]  # no ---/+++ header
            out.append(CellChange("changed", i1 + k + 1, j1 + k + 1, tuple(hunks)))
        for i in range(i1 + paired, i2):
            lines = tuple("-" + line for line in old[i].splitlines())
            out.append(CellChange("removed", i + 1, None, lines))
        for j in range(j1 + paired, j2):
            lines = tuple("+" + line for line in new[j].splitlines())
            out.append(CellChange("added", None, j + 1, lines))
    return tuple(out)


def _fence(lines: Sequence[str]) -> str:
    """A Markdown code fence longer than any run of backticks in ``lines``."""
    ticks = 3
    for line in lines:
        count = 0
        for ch in line:
            count = count + 1 if ch == "`" else 0
            ticks = max(ticks, count + 1)
    return "`" * ticks


@dataclass(frozen=True)
class Comparison:
    """The differences between runs.

    Attributes:
        runs: The compared runs, in the order given.
        rows: Every compared item (same and different), by section then key.
        notebooks: For notebook runs, each later run's code cells against the first run's
            (empty when no run is a notebook run).
    """

    runs: tuple[RunInfo, ...]
    rows: tuple[Row, ...]
    notebooks: tuple[NotebookDiff, ...] = ()

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
        """True when no row differs (metrics included) and no notebook cell does."""
        return not any(r.differs for r in self.rows) and not self._cells_differ()

    # ------------------------------------------------------------------ output
    def _cells_differ(self) -> bool:
        return any(d.changes for d in self.notebooks)

    def _any_difference(self) -> bool:
        return self._cells_differ() or any(
            r.differs for r in self.rows if r.section not in ALWAYS_SHOWN
        )

    def _shown_notebooks(self, all: bool) -> tuple[NotebookDiff, ...]:
        return tuple(d for d in self.notebooks if all or d.changes or d.note)

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
        """A JSON-ready dict: ``runs`` and, per section, key → list of values (one per run).

        Notebook runs add ``notebook_cells``: one :meth:`NotebookDiff.to_dict` per later run.
        """
        out: dict[str, Any] = {
            "runs": [self._run_header(r) for r in self.runs],
            "sections": {
                name: {r.key: _json_safe(list(r.values)) for r in self.section(name, all=all)}
                for name in SECTIONS
            },
            "identical": self.identical,
        }
        if self.notebooks:
            out["notebook_cells"] = [d.to_dict() for d in self.notebooks]
        return out

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
        notebooks = self._shown_notebooks(all)
        if notebooks:
            lines += ["", "## Notebook cells"]
        for diff in notebooks:
            lines += ["", f"**{_md(diff.summary)}**"]
            for change in diff.changes:
                fence = _fence(change.lines)
                lines += ["", f"### {change.title}", "", fence + "diff", *change.lines, fence]
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
        parts += [_cells_text(d) for d in self._shown_notebooks(all)]
        if not self._any_difference():
            parts.append(Text(NO_DIFFERENCE))
        return Group(*parts)

    def __rich__(self) -> Any:
        return self.to_table()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _cells_text(diff: NotebookDiff) -> Any:
    """A notebook cell diff as rich Text: a title, then each changed cell and its lines."""
    from rich.text import Text

    text = Text(diff.title, style="bold")
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for change in diff.changes:
        text.append("\n  " + change.title, style="bold yellow")
        for line in change.lines:
            text.append("\n    " + line, style=styles.get(line[:1], ""))
    return text


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


def _cells_of(run: RunInfo) -> list[str] | None:
    recorded = run.code.get(_SCRIPT_KEY)
    script = recorded.get("script") if isinstance(recorded, Mapping) else None
    return script_cells(script) if isinstance(script, str) else None


def _is_notebook_run(run: RunInfo) -> bool:
    entry_point = run.code.get("entry_point")
    return (
        _SCRIPT_KEY in run.code
        or _SKIPPED_KEY in run.code
        or (isinstance(entry_point, str) and entry_point.endswith(".ipynb"))
    )


def _missing(run: RunInfo) -> str:
    reason = run.code.get(_SKIPPED_KEY)
    if reason:
        return f"{run.ref} has no recorded notebook script ({reason})"
    if _is_notebook_run(run):
        return f"{run.ref} has no recorded notebook script"
    return f"{run.ref} is not a notebook run"


def notebook_diffs(runs: Sequence[RunInfo]) -> tuple[NotebookDiff, ...]:
    """Each later run's notebook cells against the first run's; () when none is a notebook."""
    if len(runs) < 2 or not any(_is_notebook_run(r) for r in runs):
        return ()
    first = runs[0]
    old = _cells_of(first)
    out: list[NotebookDiff] = []
    for run in runs[1:]:
        new = _cells_of(run)
        if old is None and new is None:
            note = f"neither {first.ref} nor {run.ref} has a recorded notebook script"
            out.append(NotebookDiff(first.ref, run.ref, note=note))
        elif old is None or new is None:
            out.append(
                NotebookDiff(first.ref, run.ref, note=_missing(run if new is None else first))
            )
        else:
            out.append(NotebookDiff(first.ref, run.ref, diff_cells(old, new)))
    return tuple(out)


def build(runs: Sequence[RunInfo]) -> Comparison:
    """A :class:`Comparison` of runs already read from the store."""
    rows: list[Row] = []
    rows += _rows("params", [r.params for r in runs])
    rows += _rows("metrics", [r.metrics for r in runs])
    code = [{k: v for k, v in r.code.items() if k != _SCRIPT_KEY} for r in runs]
    rows += _rows("code", code)
    rows += _rows("data", [_data(r) for r in runs])
    rows += _rows("environment", [_environment(r) for r in runs])
    rows += _rows("packages", [dict(r.environment.packages) if r.environment else {} for r in runs])
    return Comparison(runs=tuple(runs), rows=tuple(rows), notebooks=notebook_diffs(runs))


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
