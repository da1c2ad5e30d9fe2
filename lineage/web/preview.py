"""Previews of local artifacts for the web UI: a table, JSON, an image, text or a listing.

:func:`preview` looks at the file an artifact's URI names and returns a :class:`Preview` that
the API sends as JSON (:meth:`Preview.to_dict`). It shows a file only when it is local, small
enough and safe to show, and never reads the whole of a big file:

- Only local paths and ``file://`` URIs (``file:///...``, ``file://localhost/...``,
  percent-encoded) are looked at; ``s3://``, ``gs://``, ``http://``, relative paths and files on
  other hosts are ``unavailable``.
- Symlinks are resolved first. Only regular files are opened, without following a symlink that
  appears after the check and without blocking, and they are checked again once open; device
  files, FIFOs and sockets are refused unopened. A directory is listed (one level, at most
  :data:`MAX_DIRECTORY_ENTRIES` entries), never read recursively.
- At most ``max_bytes`` bytes are read for a table, a JSON document or an image, and at most
  ``max_text`` characters are returned as text.
- SVG is shown as text (its source), never as an image: it can carry script. The media type of a
  text preview is always an inert one (``text/plain``, ``text/markdown``, ...).
- A missing or unreadable file, or a file that cannot be parsed, is a preview that says so
  (``missing``, ``unavailable``, or a ``reason``); only bad arguments raise.

Example:
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> metrics = pathlib.Path(folder.name, "metrics.csv")
    >>> _ = metrics.write_text("step,loss\\n1,0.9\\n2,0.5\\n")
    >>> table = preview(metrics.as_uri())
    >>> table.kind, table.columns, table.rows
    ('table', ('step', 'loss'), (('1', '0.9'), ('2', '0.5')))
    >>> folder.cleanup()
    >>> preview("s3://bucket/model.pkl").kind
    'unavailable'
"""

from __future__ import annotations

import base64
import codecs
import csv
import dataclasses
import errno
import heapq
import importlib
import importlib.util
import io
import json
import os
import re
import stat
import struct
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, Final, Literal, TypedDict

from lineage.errors import InvalidArgumentError

__all__ = [
    "MAX_DIRECTORY_ENTRIES",
    "PARQUET_HINT",
    "DirectoryEntry",
    "Preview",
    "PreviewKind",
    "preview",
]

#: What a preview shows.
PreviewKind = Literal[
    "table", "json", "image", "text", "binary", "directory", "missing", "unavailable"
]

#: The most entries a directory preview lists.
MAX_DIRECTORY_ENTRIES: Final = 100
#: The reason of a Parquet preview when pyarrow is not installed.
PARQUET_HINT: Final = "install pyarrow to preview Parquet"

#: Bytes looked at to tell text from binary content.
_SNIFF_BYTES: Final = 4096
#: Characters of a table given to the CSV dialect sniffer.
_CSV_SAMPLE: Final = 16_384
#: Bytes pyarrow reads at a time from a Parquet file.
_PARQUET_BUFFER: Final = 65_536

_NOT_LOCAL: Final = "only local files can be previewed (absolute paths and file:// URIs)"
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")

_TABLE_SUFFIXES: Final = {".csv": "text/csv", ".tsv": "text/tab-separated-values"}
_PARQUET_SUFFIXES: Final = frozenset({".parquet", ".pq"})
_JSON_SUFFIXES: Final = frozenset({".json"})
_JSONL_SUFFIXES: Final = frozenset({".jsonl", ".ndjson"})
# Files shown as text whatever their content. The media type is that of the text shown, and
# never one a browser would run or render (SVG, HTML and XML are plain text here).
_TEXT_SUFFIXES: Final = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/plain",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".cfg": "text/plain",
    ".ini": "text/plain",
    ".py": "text/x-python",
    ".sql": "application/sql",
    ".svg": "text/plain",
    ".xml": "text/plain",
    ".html": "text/plain",
}

_O_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class DirectoryEntry(TypedDict):
    """One entry of a directory preview.

    ``size`` is the size in bytes of a regular file (a symlink's target counts) and None for
    anything else; ``is_dir`` is True for a directory or a symlink to one.
    """

    name: str
    size: int | None
    is_dir: bool


@dataclasses.dataclass(frozen=True)
class Preview:
    """What the web UI shows of an artifact's file.

    Attributes:
        kind: What is shown: 'table', 'json', 'image', 'text', 'binary', 'directory',
            'missing' or 'unavailable'.
        uri: The URI that was asked for.
        path: The resolved local path (symlinks followed), or None for a URI that is not local.
        size_bytes: The file's size, or None when unknown (a directory, a missing file).
        media_type: The media type of what is shown (``text/csv``, ``image/png``, ...).
        truncated: Whether the preview shows only part of the file or listing.
        reason: Why nothing, or only part, or something other than expected, is shown.
        columns: A table's header.
        rows: A table's first rows, each a tuple of cell texts.
        text: The first characters of a text file (or of a JSON file not parsed).
        data: The parsed JSON document, or a list of the first JSON Lines records.
        data_base64: An image's bytes, base64-encoded.
        entries: A directory's first entries, sorted by name.
        width: An image's width in pixels, when its header tells it cheaply (PNG, GIF).
        height: An image's height in pixels, likewise.
    """

    kind: PreviewKind
    uri: str
    path: str | None = None
    size_bytes: int | None = None
    media_type: str | None = None
    truncated: bool = False
    reason: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    text: str | None = None
    data: Any = None
    data_base64: str | None = None
    entries: tuple[DirectoryEntry, ...] = ()
    width: int | None = None
    height: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The preview as a JSON-able dict, with every field present (None or empty if unset).

        Strings that came from file names are made valid Unicode, so the dict always encodes
        as UTF-8.
        """
        return {
            "kind": self.kind,
            "uri": self.uri,
            "path": None if self.path is None else _printable(self.path),
            "size_bytes": self.size_bytes,
            "media_type": self.media_type,
            "truncated": self.truncated,
            "reason": None if self.reason is None else _printable(self.reason),
            "columns": list(self.columns),
            "rows": [list(row) for row in self.rows],
            "text": self.text,
            "data": self.data,
            "data_base64": self.data_base64,
            "entries": [
                {"name": _printable(e["name"]), "size": e["size"], "is_dir": e["is_dir"]}
                for e in self.entries
            ],
            "width": self.width,
            "height": self.height,
        }


@dataclasses.dataclass(frozen=True)
class _Limits:
    max_bytes: int
    max_rows: int
    max_text: int

    @property
    def text_bytes(self) -> int:
        """Bytes read for a text preview: enough for max_text characters, at most max_bytes."""
        return min(self.max_bytes, 4 * self.max_text)


def preview(
    uri: str,
    *,
    max_bytes: int = 1_000_000,
    max_rows: int = 50,
    max_text: int = 20_000,
    roots: Sequence[str] | None = None,
) -> Preview:
    """Preview the local file or directory an artifact's URI names.

    Args:
        uri: An absolute local path or a ``file://`` URI (the artifact's own URI).
        max_bytes: The most bytes read to show a table, a JSON document or an image; a JSON
            document or an image larger than this is not parsed or shown.
        max_rows: The most table rows (besides the header) or JSON Lines records returned.
        max_text: The most characters of text returned.
        roots: Directories a preview may read from (after symlinks are resolved); a file
            elsewhere is 'unavailable'. None allows any local file.

    Returns:
        The preview. A URI that is not local, a missing, unreadable or special file, and a
        file that cannot be parsed give a preview whose ``kind`` and ``reason`` say so.

    Raises:
        InvalidArgumentError: ``uri`` is not a string, or a limit is not a positive integer.
    """
    if not isinstance(uri, str):
        raise InvalidArgumentError(f"uri must be a string, got {uri!r}")
    for name, value in (("max_bytes", max_bytes), ("max_rows", max_rows), ("max_text", max_text)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    limits = _Limits(max_bytes=max_bytes, max_rows=max_rows, max_text=max_text)

    local, refusal = _local_path(uri)
    if local is None:
        return Preview(kind="unavailable", uri=uri, reason=refusal)
    resolved = os.path.realpath(local)
    if roots is not None and not _inside(resolved, roots):
        return Preview(
            kind="unavailable",
            uri=uri,
            reason="outside the directories this server previews (lineage ui --preview-root)",
        )
    try:
        info = os.stat(resolved)
    except OSError as exc:
        return _failure(uri, resolved, exc)
    if stat.S_ISDIR(info.st_mode):
        return _directory(uri, resolved)
    if not stat.S_ISREG(info.st_mode):
        return _not_regular(uri, resolved, info.st_mode)
    try:
        fd = os.open(resolved, _O_FLAGS)
    except OSError as exc:
        return _failure(uri, resolved, exc)
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):  # replaced between the check and the open
                return _not_regular(uri, resolved, info.st_mode)
            base = Preview(kind="binary", uri=uri, path=resolved, size_bytes=info.st_size)
            return _file(handle, base, _suffix(local, resolved), limits)
        except OSError as exc:
            return _failure(uri, resolved, exc)


# --- where the file is ------------------------------------------------------------------------


def _inside(path: str, roots: Sequence[str]) -> bool:
    """True when ``path`` (resolved) lies in one of ``roots`` (resolved too)."""
    for root in roots:
        base = os.path.realpath(root)
        if os.path.commonpath([base, path]) == base:
            return True
    return False


def _local_path(uri: str) -> tuple[str | None, str]:
    """The local path a URI names, or None and the reason it names none."""
    scheme = _SCHEME.match(uri)
    if scheme is not None and scheme.group(1).lower() != "file":
        return None, f"{scheme.group(1)}: URIs are not local files; {_NOT_LOCAL}"
    if scheme is None:
        path = uri
    else:
        # Everything after the authority is the path: an unencoded '?' or '#' is part of the
        # file name (as MLMD writers often leave them), never a query or fragment.
        rest = uri[len(scheme.group(0)) :]
        if rest.startswith("//"):
            host, slash, tail = rest[2:].partition("/")
            if host.lower() not in ("", "localhost"):
                return None, f"the file URI names the host {host!r}; {_NOT_LOCAL}"
            rest = slash + tail
        path = os.fsdecode(urllib.parse.unquote_to_bytes(rest))
    if "\0" in path:
        return None, f"the path contains a NUL character; {_NOT_LOCAL}"
    if not path or not os.path.isabs(path):
        return None, f"{uri!r} is not an absolute path; {_NOT_LOCAL}"
    return path, ""


def _suffix(local: str, resolved: str) -> str:
    """The lower-case suffix of the name asked for, else of the resolved file's name."""
    suffix = os.path.splitext(os.path.basename(local))[1]
    if not suffix:
        suffix = os.path.splitext(os.path.basename(resolved))[1]
    return suffix.lower()


def _failure(uri: str, path: str, exc: OSError) -> Preview:
    """The preview of a file that could not be looked at."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Preview(kind="missing", uri=uri, path=path, reason="the file does not exist")
    if isinstance(exc, PermissionError):
        reason = "permission denied: the file cannot be read"
    else:
        reason = f"the file cannot be read: {exc.strerror or exc}"
    return Preview(kind="unavailable", uri=uri, path=path, reason=reason)


def _not_regular(uri: str, path: str, mode: int) -> Preview:
    """The preview of a device file, FIFO, socket or other special file, never opened."""
    if stat.S_ISCHR(mode):
        what = "a character device"
    elif stat.S_ISBLK(mode):
        what = "a block device"
    elif stat.S_ISFIFO(mode):
        what = "a FIFO"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    else:
        what = "a special file"
    return Preview(
        kind="unavailable",
        uri=uri,
        path=path,
        reason=f"not a regular file ({what}); only regular files and directories are previewed",
    )


def _directory(uri: str, path: str) -> Preview:
    """One level of a directory: its first entries by name, each stat'ed without opening."""
    count = 0

    def counted(entries: Iterator[os.DirEntry[str]]) -> Iterator[os.DirEntry[str]]:
        nonlocal count
        for entry in entries:
            count += 1
            yield entry

    try:
        with os.scandir(path) as listing:
            first = heapq.nsmallest(
                MAX_DIRECTORY_ENTRIES, counted(listing), key=lambda entry: entry.name
            )
            entries = tuple(_entry(entry) for entry in first)
    except OSError as exc:
        return _failure(uri, path, exc)
    truncated = count > len(entries)
    return Preview(
        kind="directory",
        uri=uri,
        path=path,
        truncated=truncated,
        reason=f"showing the first {len(entries)} of {count} entries" if truncated else None,
        entries=entries,
    )


def _entry(entry: os.DirEntry[str]) -> DirectoryEntry:
    """A directory entry's name, size (regular files only) and whether it is a directory."""
    try:
        info = entry.stat()
    except OSError:  # a broken symlink, or no search permission
        return DirectoryEntry(name=entry.name, size=None, is_dir=False)
    return DirectoryEntry(
        name=entry.name,
        size=info.st_size if stat.S_ISREG(info.st_mode) else None,
        is_dir=stat.S_ISDIR(info.st_mode),
    )


# --- what is in the file ----------------------------------------------------------------------


def _file(handle: BinaryIO, base: Preview, suffix: str, limits: _Limits) -> Preview:
    """The preview of an open regular file, by its content's signature, then its suffix."""
    head = handle.read(_SNIFF_BYTES + 1)
    handle.seek(0)
    image_type = _image_type(head)
    if image_type is not None:
        return _image(handle, base, image_type, limits)
    if suffix in _TABLE_SUFFIXES:
        return _table(handle, base, suffix, limits)
    if suffix in _PARQUET_SUFFIXES:
        return _parquet(handle, base, limits)
    if suffix in _JSON_SUFFIXES:
        return _json(handle, base, limits)
    if suffix in _JSONL_SUFFIXES:
        return _jsonl(handle, base, limits)
    if suffix in _TEXT_SUFFIXES:
        return _text(handle, base, _TEXT_SUFFIXES[suffix], limits)
    if _looks_like_text(head[:_SNIFF_BYTES], complete=len(head) <= _SNIFF_BYTES):
        return _text(handle, base, "text/plain", limits)
    return dataclasses.replace(
        base,
        kind="binary",
        media_type="application/octet-stream",
        reason=f"binary content ({base.size_bytes} bytes) cannot be previewed",
    )


def _read_head(handle: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes from the start, and whether they are the whole file."""
    handle.seek(0)
    data = handle.read(limit + 1)
    return data[:limit], len(data) <= limit


def _decode(data: bytes, *, complete: bool) -> str:
    """UTF-8 text (bad bytes replaced); a character cut at the end of a partial read is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    return decoder.decode(data, final=complete)


def _looks_like_text(head: bytes, *, complete: bool) -> bool:
    """Whether the first bytes are UTF-8 without NUL (a character cut at the end is allowed)."""
    if b"\0" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _text(
    handle: BinaryIO, base: Preview, media_type: str, limits: _Limits, reason: str | None = None
) -> Preview:
    """The first ``max_text`` characters of the file."""
    data, complete = _read_head(handle, limits.text_bytes)
    text = _decode(data, complete=complete)
    return dataclasses.replace(
        base,
        kind="text",
        media_type=media_type,
        text=text[: limits.max_text],
        truncated=not complete or len(text) > limits.max_text,
        reason=reason,
    )


def _table(handle: BinaryIO, base: Preview, suffix: str, limits: _Limits) -> Preview:
    """The header and first rows of a CSV or TSV file, read from its first ``max_bytes``."""
    data, complete = _read_head(handle, limits.max_bytes)
    if not complete:
        end = data.rfind(b"\n")
        if end >= 0:  # drop the line cut by the limit
            data = data[: end + 1]
    text = _decode(data, complete=complete)
    media_type = _TABLE_SUFFIXES[suffix]
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, suffix))
    columns: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    more = False
    try:
        for row in reader:
            if not row:  # a blank line
                continue
            if columns is None:
                columns = tuple(row)
            elif len(rows) == limits.max_rows:
                more = True
                break
            else:
                rows.append(tuple(row))
    except csv.Error as exc:
        return _text(handle, base, "text/plain", limits, reason=f"not a readable table: {exc}")
    return dataclasses.replace(
        base,
        kind="table",
        media_type=media_type,
        columns=columns or (),
        rows=tuple(rows),
        truncated=more or not complete,
    )


def _dialect(text: str, suffix: str) -> type[csv.Dialect]:
    """The dialect sniffed from the first lines, else the one the suffix implies."""
    sample = text[:_CSV_SAMPLE]
    if len(text) > _CSV_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    sniffer = csv.Sniffer()
    # On a tie (a TSV whose cells hold commas) the suffix's delimiter wins.
    sniffer.preferred = ["\t", ",", ";", "|"] if suffix == ".tsv" else [",", "\t", ";", "|"]
    try:
        return sniffer.sniff(sample, delimiters="".join(sniffer.preferred))
    except csv.Error:
        return csv.excel_tab if suffix == ".tsv" else csv.excel


def _parquet(handle: BinaryIO, base: Preview, limits: _Limits) -> Preview:
    """The schema and first ``max_rows`` rows of a Parquet file, read with pyarrow."""
    if importlib.util.find_spec("pyarrow") is None:
        return dataclasses.replace(base, kind="unavailable", reason=PARQUET_HINT)
    media_type = "application/vnd.apache.parquet"
    try:
        parquet = importlib.import_module("pyarrow.parquet")
        # Unbuffered column chunks and no pre-buffering: pages are read as the first batch
        # needs them, not a whole row group (or file) at once.
        table = parquet.ParquetFile(handle, buffer_size=_PARQUET_BUFFER, pre_buffer=False)
        columns = tuple(str(name) for name in table.schema_arrow.names)
        total = int(table.metadata.num_rows)
        rows: list[tuple[str, ...]] = []
        for batch in table.iter_batches(batch_size=limits.max_rows):
            values = [column.to_pylist() for column in batch.columns]
            for row in zip(*values, strict=True):
                rows.append(tuple(_cell(value, limits.max_text) for value in row))
            if len(rows) >= limits.max_rows:
                break
    except Exception as exc:  # pyarrow raises its own errors (ArrowInvalid, ...) and OSError
        return dataclasses.replace(
            base, kind="binary", media_type=media_type, reason=f"not a readable Parquet file: {exc}"
        )
    rows = rows[: limits.max_rows]
    return dataclasses.replace(
        base,
        kind="table",
        media_type=media_type,
        columns=columns,
        rows=tuple(rows),
        truncated=total > len(rows),
    )


def _cell(value: object, max_text: int) -> str:
    """A table cell's text: empty for null, at most ``max_text`` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text[:max_text]


def _json(handle: BinaryIO, base: Preview, limits: _Limits) -> Preview:
    """A JSON document, parsed when it is at most ``max_bytes``, else its start as text."""
    media_type = "application/json"
    size = base.size_bytes or 0
    cut = True
    if size > limits.max_bytes:
        reason = f"larger than max_bytes ({size} > {limits.max_bytes}); the start is shown as text"
    else:
        data, complete = _read_head(handle, limits.max_bytes)
        if not complete:  # the file grew since it was opened
            reason = f"larger than max_bytes ({limits.max_bytes}); the start is shown as text"
        else:
            try:
                document = _parse_json(data)
            except (ValueError, RecursionError) as exc:
                reason = f"not valid JSON: {exc}"
                cut = False
            else:
                return dataclasses.replace(base, kind="json", media_type=media_type, data=document)
    shown = _text(handle, base, media_type, limits, reason=reason)
    return dataclasses.replace(shown, kind="json", truncated=cut or shown.truncated)


def _jsonl(handle: BinaryIO, base: Preview, limits: _Limits) -> Preview:
    """The first ``max_rows`` records of a JSON Lines file, read from its first ``max_bytes``."""
    media_type = "application/jsonl"
    data, complete = _read_head(handle, limits.max_bytes)
    lines = data.split(b"\n")
    if not complete:
        lines.pop()  # the line cut by the limit
        if not lines:
            too_long = f"the first line is longer than max_bytes ({limits.max_bytes})"
            shown = _text(handle, base, media_type, limits, reason=too_long)
            return dataclasses.replace(shown, kind="json", truncated=True)
    records: list[Any] = []
    more = False
    reason: str | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(records) == limits.max_rows:
            more = True
            break
        try:
            records.append(_parse_json(line))
        except (ValueError, RecursionError) as exc:
            reason = f"line {number} is not valid JSON: {exc}"
            more = True
            break
    return dataclasses.replace(
        base,
        kind="json",
        media_type=media_type,
        data=records,
        truncated=more or not complete,
        reason=reason,
    )


def _parse_json(data: bytes) -> Any:
    """Parse JSON; NaN and the infinities become strings, so the result is strict JSON."""
    document = json.loads(data, parse_constant=str)
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \\ud800-style escapes
        document = _valid_unicode(document)
    return document


def _valid_unicode(value: Any) -> Any:
    """A parsed JSON value with every string made encodable as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_valid_unicode(item) for item in value]
    if isinstance(value, dict):
        return {_valid_unicode(key): _valid_unicode(item) for key, item in value.items()}
    return value


def _image_type(head: bytes) -> str | None:
    """The media type of a PNG, JPEG, GIF or WebP image by its signature (never SVG)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _image(handle: BinaryIO, base: Preview, media_type: str, limits: _Limits) -> Preview:
    """An image of at most ``max_bytes``, base64-encoded, with its size when cheap to read."""
    size = base.size_bytes or 0
    data, complete = (
        _read_head(handle, limits.max_bytes) if size <= limits.max_bytes else (b"", False)
    )
    if not complete:
        return dataclasses.replace(
            base,
            kind="binary",
            media_type=media_type,
            reason=f"the image is larger than max_bytes ({size} > {limits.max_bytes})",
        )
    width, height = _dimensions(media_type, data)
    return dataclasses.replace(
        base,
        kind="image",
        media_type=media_type,
        data_base64=base64.b64encode(data).decode("ascii"),
        width=width,
        height=height,
    )


def _dimensions(media_type: str, data: bytes) -> tuple[int | None, int | None]:
    """Width and height from a PNG's IHDR chunk or a GIF's screen descriptor, else None."""
    if media_type == "image/png" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if media_type == "image/gif" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return None, None


def _printable(text: str) -> str:
    """A string from the file system made valid Unicode (undecodable bytes replaced)."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")
