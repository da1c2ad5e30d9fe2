"""Small text helpers shared by the Markdown and HTML views."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Raw", "cell", "code", "md_table", "now_iso", "plural", "show", "when"]


def now_iso() -> str:
    """The current UTC time as ISO 8601 text with milliseconds (``2026-11-26T08:20:25.123Z``)."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def when(text: str | None) -> str:
    """An ISO time as ``2026-11-26 08:20:25Z`` for reading (empty for None)."""
    if not text:
        return ""
    return text.replace("T", " ")[:19] + "Z"


def show(value: Any, width: int | None = None) -> str:
    """A value on one line: text as is, None empty, the rest as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 step``, ``2 steps``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def cell(value: Any, width: int | None = None) -> str:
    """A Markdown table cell: one line, pipes and HTML-significant characters escaped."""
    text = show(value, width).replace("\r", " ").replace("\n", " ")
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table; cells are escaped with :func:`cell` unless wrapped in :class:`Raw`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append(
            "| " + " | ".join(v.text if isinstance(v, Raw) else cell(v) for v in row) + " |"
        )
    return lines


class Raw:
    """Markdown that :func:`md_table` puts in a cell as is (code spans, links)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def code(value: Any) -> Raw:
    """A Markdown code span for a table cell (empty for None)."""
    text = show(value).replace("\n", " ").replace("|", "\\|")
    if not text:
        return Raw("")
    fence = "``" if "`" in text else "`"
    return Raw(f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}")
