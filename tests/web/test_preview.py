"""Artifact previews (``lineage.web.preview``) on real files: kinds, limits and refusals."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import socket
import stat
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from lineage.errors import InvalidArgumentError
from lineage.web.preview import MAX_DIRECTORY_ENTRIES, PARQUET_HINT, Preview, preview

HAVE_PYARROW = importlib.util.find_spec("pyarrow") is not None


def run_with_timeout(uri: str, seconds: float = 10.0) -> Preview:
    """Preview in a thread, failing (not hanging) if it blocks, as opening a FIFO would."""
    result: list[Preview] = []
    worker = threading.Thread(target=lambda: result.append(preview(uri)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"preview({uri!r}) blocked"
    return result[0]


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 114, 178)).save(buffer, format="PNG")
    return buffer.getvalue()


def assert_json_able(result: Preview) -> dict[str, Any]:
    shown = result.to_dict()
    json.dumps(shown, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return shown


# --- tables -----------------------------------------------------------------------------------


def test_a_csv_shows_its_header_and_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text('\ufeff\nstep,loss,note\n1,0.9,"a, quoted"\n\n2,0.5,b\n')
    result = preview(str(path))
    assert result.kind == "table"
    assert result.media_type == "text/csv"
    assert result.columns == ("step", "loss", "note")
    assert result.rows == (("1", "0.9", "a, quoted"), ("2", "0.5", "b"))
    assert not result.truncated
    assert result.path == str(path.resolve())
    assert result.size_bytes == path.stat().st_size


def test_a_big_csv_gives_max_rows_rows_and_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("id,value\n")
        for number in range(200_000):
            out.write(f"{number},{number * 2}\n")
    assert path.stat().st_size > 1_000_000
    result = preview(str(path), max_rows=50)
    assert result.kind == "table"
    assert result.columns == ("id", "value")
    assert len(result.rows) == 50
    assert result.rows[-1] == ("49", "98")
    assert result.truncated


def test_a_csv_is_read_only_up_to_max_bytes(tmp_path: Path) -> None:
    # Past max_bytes the file is 4 GiB of NUL bytes (a sparse file, no disk used) ending in a
    # malformed line: reading it would take long and fail; only the head is read.
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.write(b"a,b\n" + b"".join(b"%d,x\n" % n for n in range(2000)))
        out.truncate(4 << 30)
        out.seek(0, os.SEEK_END)
        out.write(b'"unclosed,\0\n')
    result = preview(str(path), max_bytes=4096, max_rows=10_000)
    assert result.kind == "table"
    assert result.size_bytes == (4 << 30) + 12
    assert result.columns == ("a", "b")
    assert 0 < len(result.rows) < 2000
    assert all(row[1] == "x" for row in result.rows)  # the line cut at max_bytes is dropped
    assert result.truncated


def test_a_tsv_delimiter_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "scores.tsv"
    path.write_text("name\tscore, with comma\nalice\t1,5\nbob\t2,5\n")
    result = preview(str(path))
    assert result.kind == "table"
    assert result.media_type == "text/tab-separated-values"
    assert result.columns == ("name", "score, with comma")
    assert result.rows == (("alice", "1,5"), ("bob", "2,5"))


def test_a_tab_separated_file_named_csv_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "really-tabs.csv"
    path.write_text("id\tlabel\n1\tcat\n2\tdog\n")
    result = preview(str(path))
    assert result.columns == ("id", "label")
    assert result.rows == (("1", "cat"), ("2", "dog"))


def test_a_semicolon_csv_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("a;b;c\n1;2;3\n4;5;6\n")
    result = preview(str(path))
    assert result.columns == ("a", "b", "c")
    assert result.rows == (("1", "2", "3"), ("4", "5", "6"))


def test_an_empty_csv_is_an_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = preview(str(path))
    assert result.kind == "table"
    assert result.columns == ()
    assert result.rows == ()
    assert not result.truncated


def test_parquet_needs_pyarrow_or_shows_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "table.parquet"
    if not HAVE_PYARROW:
        path.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
        result = preview(str(path))
        assert result.kind == "unavailable"
        assert result.reason == PARQUET_HINT == "install pyarrow to preview Parquet"
        return
    import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]

    table = pa.table(
        {"id": list(range(120)), "name": [f"n{i}" if i % 7 else None for i in range(120)]}
    )
    pq.write_table(table, path, row_group_size=30)
    result = preview(str(path), max_rows=50)
    assert result.kind == "table"
    assert result.columns == ("id", "name")
    assert len(result.rows) == 50
    assert result.rows[0] == ("0", "")
    assert result.rows[1] == ("1", "n1")
    assert result.truncated
    small = preview(str(path), max_rows=500)
    assert len(small.rows) == 120
    assert not small.truncated


def test_a_broken_parquet_file_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    result = preview(str(path))
    if HAVE_PYARROW:
        assert result.kind == "binary"
        assert result.reason is not None
        assert result.reason.startswith("not a readable Parquet file")
    else:
        assert result.kind == "unavailable"
        assert result.reason == PARQUET_HINT


# --- JSON -------------------------------------------------------------------------------------


def test_a_small_json_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"accuracy": 0.93, "labels": ["a", "b"]}))
    result = preview(str(path))
    assert result.kind == "json"
    assert result.media_type == "application/json"
    assert result.data == {"accuracy": 0.93, "labels": ["a", "b"]}
    assert result.text is None
    assert not result.truncated


def test_nan_in_json_becomes_a_string_so_the_preview_stays_json(tmp_path: Path) -> None:
    path = tmp_path / "loss.json"
    path.write_text('{"loss": NaN, "best": -Infinity, "bad": "\\ud800"}')
    result = preview(str(path))
    assert result.data["loss"] == "NaN"
    assert result.data["best"] == "-Infinity"
    assert assert_json_able(result)["data"]["bad"] == "?"


def test_a_big_json_file_is_shown_as_the_start_of_its_text(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"id": n, "name": "x" * 20} for n in range(10_000)]))
    result = preview(str(path), max_bytes=100_000, max_text=1000)
    assert result.kind == "json"
    assert result.data is None
    assert result.text is not None
    assert len(result.text) == 1000
    assert result.text.startswith('[{"id": 0')
    assert result.truncated
    assert result.reason is not None
    assert "max_bytes" in result.reason


def test_invalid_json_is_shown_as_text_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"a": 1,')
    result = preview(str(path))
    assert result.kind == "json"
    assert result.data is None
    assert result.text == '{"a": 1,'
    assert not result.truncated
    assert result.reason is not None
    assert result.reason.startswith("not valid JSON")


def test_deeply_nested_json_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    result = preview(str(path))
    assert result.kind == "json"
    assert result.data is None
    assert result.reason is not None


def test_jsonl_gives_the_first_max_rows_records(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"step": n}) + "\n" for n in range(500)))
    result = preview(str(path), max_rows=20)
    assert result.kind == "json"
    assert result.media_type == "application/jsonl"
    assert result.data == [{"step": n} for n in range(20)]
    assert result.truncated
    whole = preview(str(path), max_rows=1000)
    assert len(whole.data) == 500
    assert not whole.truncated


def test_jsonl_cut_by_max_bytes_drops_the_cut_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"step": n, "pad": "p" * 30}) + "\n" for n in range(100)))
    result = preview(str(path), max_bytes=500, max_rows=1000)
    assert result.reason is None
    assert 0 < len(result.data) < 100
    assert result.data[-1]["pad"] == "p" * 30
    assert result.truncated


def test_jsonl_stops_at_an_invalid_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\nnot json\n{"a": 3}\n')
    result = preview(str(path))
    assert result.data == [{"a": 1}, {"a": 2}]
    assert result.reason is not None
    assert result.reason.startswith("line 4 is not valid JSON")
    assert result.truncated


# --- images -----------------------------------------------------------------------------------


def test_a_png_is_an_image_with_its_bytes_and_size(tmp_path: Path) -> None:
    data = png_bytes(31, 17)
    path = tmp_path / "confusion.png"
    path.write_bytes(data)
    result = preview(str(path))
    assert result.kind == "image"
    assert result.media_type == "image/png"
    assert result.data_base64 is not None
    assert base64.b64decode(result.data_base64) == data
    assert (result.width, result.height) == (31, 17)
    assert assert_json_able(result)["data_base64"] == result.data_base64


def test_gif_and_jpeg_are_images_by_their_signature(tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    Image.new("P", (9, 4)).save(gif, format="GIF")
    jpeg = tmp_path / "photo-without-suffix"
    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    assert (preview(str(gif)).kind, preview(str(gif)).width, preview(str(gif)).height) == (
        "image",
        9,
        4,
    )
    photo = preview(str(jpeg))
    assert (photo.kind, photo.media_type) == ("image", "image/jpeg")


def test_an_image_larger_than_max_bytes_is_not_sent(tmp_path: Path) -> None:
    data = png_bytes(64, 64)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    result = preview(str(path), max_bytes=len(data) - 1)
    assert result.kind == "binary"
    assert result.media_type == "image/png"
    assert result.data_base64 is None
    assert result.reason is not None
    assert "max_bytes" in result.reason


def test_svg_is_text_never_an_image(tmp_path: Path) -> None:
    path = tmp_path / "plot.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    result = preview(str(path))
    assert result.kind == "text"
    assert result.media_type == "text/plain"
    assert result.data_base64 is None
    assert result.text is not None
    assert "<script>" in result.text


# --- text and binary --------------------------------------------------------------------------


def test_a_text_file_gives_its_first_max_text_characters(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_text("é" * 50_000)
    result = preview(str(path), max_text=1000)
    assert result.kind == "text"
    assert result.media_type == "text/plain"
    assert result.text == "é" * 1000
    assert result.truncated
    short = tmp_path / "README.md"
    short.write_text("# Model\n")
    readme = preview(str(short))
    assert (readme.kind, readme.media_type, readme.text, readme.truncated) == (
        "text",
        "text/markdown",
        "# Model\n",
        False,
    )


def test_utf8_without_a_known_suffix_is_text(tmp_path: Path) -> None:
    path = tmp_path / "NOTES"
    # A multi-byte character straddles the 4 KiB sniffing boundary.
    path.write_bytes(b"a" * 4095 + "é".encode() + b" and more")
    result = preview(str(path))
    assert result.kind == "text"
    assert result.text is not None
    assert result.text.endswith("é and more")


def test_binary_content_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04\x95\x00\x00" + bytes(range(256)))
    result = preview(str(path))
    assert result.kind == "binary"
    assert result.size_bytes == 261
    assert result.text is None
    assert result.reason is not None
    assert "binary" in result.reason


# --- where the file is ------------------------------------------------------------------------


def test_a_missing_file_is_missing(tmp_path: Path) -> None:
    result = preview(str(tmp_path / "gone.csv"))
    assert result.kind == "missing"
    assert result.size_bytes is None
    assert preview(str(tmp_path / "gone" / "deeper.txt")).kind == "missing"


def test_an_unreadable_file_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("secret")
    real_open = os.open

    def denied(name: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(name) == str(path.resolve()):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    result = preview(str(path))
    assert result.kind == "unavailable"
    assert result.reason is not None
    assert "permission denied" in result.reason
    assert result.text is None


def test_a_directory_lists_at_most_100_sorted_entries(tmp_path: Path) -> None:
    for number in range(150):
        (tmp_path / f"part-{number:05d}.csv").write_text("x\n")
    (tmp_path / "_meta").mkdir()
    (tmp_path / "_meta" / "inner.txt").write_text("not listed")
    result = preview(str(tmp_path))
    assert result.kind == "directory"
    assert len(result.entries) == MAX_DIRECTORY_ENTRIES == 100
    assert result.entries[0] == {"name": "_meta", "size": None, "is_dir": True}
    assert result.entries[1] == {"name": "part-00000.csv", "size": 2, "is_dir": False}
    names = [entry["name"] for entry in result.entries]
    assert names == sorted(names)
    assert "inner.txt" not in names
    assert result.truncated
    assert result.reason == "showing the first 100 of 151 entries"
    shown = assert_json_able(result)
    assert shown["entries"][0] == {"name": "_meta", "size": None, "is_dir": True}


def test_a_small_directory_is_not_truncated(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    os.symlink("nowhere", tmp_path / "broken")
    result = preview(f"file://{tmp_path}/")
    assert result.kind == "directory"
    assert [entry["name"] for entry in result.entries] == ["a.txt", "broken"]
    assert result.entries[1] == {"name": "broken", "size": None, "is_dir": False}
    assert not result.truncated
    assert result.reason is None


def test_a_symlink_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    link = tmp_path / "data.csv"
    os.symlink("/dev/zero", link)
    result = run_with_timeout(str(link))
    assert result.kind == "unavailable"
    assert result.path == "/dev/zero"
    assert result.reason is not None
    assert "not a regular file (a character device)" in result.reason


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    os.symlink(fifo, tmp_path / "pipe.txt")
    for name in ("pipe", "pipe.txt"):
        result = run_with_timeout(str(tmp_path / name))
        assert result.kind == "unavailable"
        assert result.reason is not None
        assert "a FIFO" in result.reason


def test_a_socket_is_refused() -> None:
    with tempfile.TemporaryDirectory(prefix="lp") as folder:  # short: socket paths are limited
        path = os.path.join(folder, "s")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(path)
            assert stat.S_ISSOCK(os.stat(path).st_mode)
            result = run_with_timeout(path)
        finally:
            server.close()
    assert result.kind == "unavailable"
    assert result.reason is not None
    assert "a socket" in result.reason


@pytest.mark.parametrize(
    "uri",
    [
        "s3://bucket/data/train.csv",
        "gs://bucket/model",
        "http://example.invalid/data.csv",
        "https://example.invalid/data.csv",
        "hdfs:///data",
        "file://otherhost/data.csv",
        "file:relative.csv",
        "data/train.csv",
        "./train.csv",
        "~/train.csv",
        "",
        "/tmp/a\0b",
    ],
)
def test_only_local_files_are_previewed(uri: str) -> None:
    result = preview(uri)
    assert result.kind == "unavailable"
    assert result.path is None
    assert result.reason is not None
    assert "only local files can be previewed" in result.reason
    assert result.uri == uri


def test_file_uris_are_percent_decoded(tmp_path: Path) -> None:
    path = tmp_path / "my data#1.txt"
    path.write_text("hello")
    encoded = "file://" + urllib.parse.quote(str(path))
    assert "%20" in encoded
    assert preview(encoded).text == "hello"
    assert preview("file://localhost" + urllib.parse.quote(str(path))).text == "hello"
    assert preview(path.as_uri()).text == "hello"
    assert preview(f"file://{tmp_path}/my data#1.txt").text == "hello"  # unencoded, as written
    assert preview(str(path)).text == "hello"


def test_a_symlink_is_resolved_and_its_name_picks_the_kind(tmp_path: Path) -> None:
    blob = tmp_path / "cache" / "3f2a9c"
    blob.parent.mkdir()
    blob.write_text("a,b\n1,2\n")
    link = tmp_path / "train.csv"
    os.symlink(blob, link)
    result = preview(str(link))
    assert result.kind == "table"
    assert result.path == str(blob.resolve())
    assert result.rows == (("1", "2"),)


# --- arguments and output ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["max_bytes", "max_rows", "max_text"])
@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10"])
def test_bad_limits_are_invalid_arguments(name: str, value: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=name):
        preview("/tmp", **{name: value})


def test_a_uri_that_is_not_a_string_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError, match="uri"):
        preview(None)  # type: ignore[arg-type]


def test_to_dict_has_every_field(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    shown = assert_json_able(preview(str(path)))
    assert shown == {
        "kind": "table",
        "uri": str(path),
        "path": str(path.resolve()),
        "size_bytes": 8,
        "media_type": "text/csv",
        "truncated": False,
        "reason": None,
        "columns": ["a", "b"],
        "rows": [["1", "2"]],
        "text": None,
        "data": None,
        "data_base64": None,
        "entries": [],
        "width": None,
        "height": None,
    }


def test_undecodable_file_names_still_encode_as_utf8(tmp_path: Path) -> None:
    os.mkdir(os.path.join(os.fsencode(tmp_path), b"\xff-dir"))
    result = preview(str(tmp_path))
    shown = assert_json_able(result)
    assert shown["entries"] == [{"name": "\ufffd-dir", "size": None, "is_dir": True}]


def test_preview_is_frozen(tmp_path: Path) -> None:
    result = preview(str(tmp_path / "missing"))
    with pytest.raises(AttributeError):
        result.kind = "text"  # type: ignore[misc]
