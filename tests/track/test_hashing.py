"""Content fingerprints: files, directory tree hashes, the stat cache, URIs, bad paths."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from lineage.errors import InvalidArgumentError
from lineage.track import hashing
from lineage.track.hashing import fingerprint, hash_file, is_uri


def test_a_file_is_its_sha256_streamed_in_chunks(write: Callable[..., Path]) -> None:
    data = os.urandom(3 * hashing.CHUNK_SIZE + 17)
    path = write("big.bin", data)
    fp = fingerprint(path)
    assert fp.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert (fp.size_bytes, fp.file_count, fp.is_dir, fp.skipped) == (len(data), 1, False, None)
    assert fp.uri == str(path)
    assert os.path.isabs(fp.uri)
    assert hash_file(path) == fp.digest
    assert fp.short == fp.digest[:19]


def test_a_relative_path_is_recorded_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.csv").write_text("a")
    monkeypatch.chdir(tmp_path)
    assert fingerprint("a.csv").uri == str(tmp_path / "a.csv")
    assert fingerprint(f"file://{tmp_path / 'a.csv'}").uri == str(tmp_path / "a.csv")


def _tree(files: dict[str, bytes]) -> str:
    tree = hashlib.sha256(b"lineage-tree-v1\n")
    for rel in sorted(files):
        tree.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).hexdigest().encode() + b"\n")
    return "sha256:" + tree.hexdigest()


def test_a_directory_is_a_tree_hash_over_sorted_paths(tmp_path: Path) -> None:
    files = {"b.txt": b"2", "a.txt": b"1", "sub/c.txt": b"3", "sub/deeper/d": b""}
    for rel, data in files.items():
        (tmp_path / "d" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "d" / rel).write_bytes(data)
    fp = fingerprint(tmp_path / "d")
    assert fp.digest == _tree(files)
    assert (fp.size_bytes, fp.file_count, fp.is_dir) == (3, 4, True)


def test_the_tree_hash_sees_renames_and_content_but_not_timestamps(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "a").write_text("1")
    first = fingerprint(root).digest
    os.utime(root / "a", (1, 1))
    hashing.clear_cache()
    assert fingerprint(root).digest == first
    (root / "a").rename(root / "b")
    renamed = fingerprint(root).digest
    assert renamed != first
    (root / "b").write_text("2")
    assert fingerprint(root).digest not in (first, renamed)


def test_a_large_directory_is_hashed_by_threads_to_the_same_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "d"
    root.mkdir()
    for i in range(12):
        (root / f"f{i:02d}").write_bytes(os.urandom(1000 + i))
    sequential = fingerprint(root).digest
    hashing.clear_cache()
    monkeypatch.setattr(hashing, "PARALLEL_MIN_BYTES", 0)
    assert fingerprint(root).digest == sequential


def test_symlinks_are_followed_and_cycles_cut(tmp_path: Path) -> None:
    root = tmp_path / "d"
    (root / "real").mkdir(parents=True)
    (root / "real" / "f").write_text("content")
    (root / "link.txt").symlink_to(root / "real" / "f")
    (root / "real" / "loop").symlink_to(root)
    (root / "dangling").symlink_to(tmp_path / "missing")
    fp = fingerprint(root)
    assert fp.file_count == 2
    assert fp.digest == _tree({"link.txt": b"content", "real/f": b"content"})


def test_unchanged_files_are_not_read_twice(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("a.bin", b"abc")
    reads: list[str] = []
    original = hashing._hash_open_file

    def counting(p: str, advance: object) -> str:
        reads.append(p)
        return original(p, advance)  # type: ignore[arg-type]

    monkeypatch.setattr(hashing, "_hash_open_file", counting)
    first = fingerprint(path).digest
    assert fingerprint(path).digest == first
    assert len(reads) == 1
    path.write_bytes(b"abcd")  # size changes: read again
    assert fingerprint(path).digest != first
    assert len(reads) == 2


@pytest.mark.parametrize(
    "uri", ["s3://bucket/data.csv", "gs://b/x", "https://example.invalid/d.zip", "hdfs://n/p"]
)
def test_uris_with_a_scheme_are_recorded_without_hashing(uri: str) -> None:
    fp = fingerprint(uri)
    assert (fp.uri, fp.digest, fp.size_bytes, fp.file_count) == (uri, None, None, None)
    assert fp.skipped == hashing.REMOTE_SKIP
    assert is_uri(uri)
    assert not is_uri("/data/x.csv")
    assert not is_uri("file:///data/x.csv")


def test_fingerprinting_can_be_turned_off(write: Callable[..., Path]) -> None:
    fp = fingerprint(write("a", "abc"), hash_content=False)
    assert (fp.digest, fp.size_bytes, fp.skipped) == (None, 3, hashing.SKIP_OFF)


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"input '.*/nope\.csv' does not exist"):
        fingerprint(tmp_path / "nope.csv", what="input")


@pytest.mark.parametrize("value", [None, 3, b"bytes", ""])
def test_a_path_must_be_a_string_or_pathlike(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="path"):
        fingerprint(value)  # type: ignore[arg-type]


def test_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InvalidArgumentError, match="neither a regular file nor a directory"):
        fingerprint(tmp_path / "pipe")


def test_an_unreadable_file_is_an_error_naming_it(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("secret.csv", "x")

    def refuse(p: str, advance: object) -> str:
        raise PermissionError(13, "Permission denied", p)

    monkeypatch.setattr(hashing, "_hash_open_file", refuse)
    with pytest.raises(InvalidArgumentError, match=r"secret\.csv' cannot be read: Permission"):
        fingerprint(path, what="input")


def test_slow_hashing_shows_a_progress_bar(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hashing, "PROGRESS_AFTER", 0.0)
    path = write("big.bin", os.urandom(3 * hashing.CHUNK_SIZE))
    fingerprint(path, progress=True)
    assert "hashing big.bin" in capsys.readouterr().err
    hashing.clear_cache()
    fingerprint(path, progress=False)
    assert capsys.readouterr().err == ""


def test_the_cache_is_bounded(write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashing, "CACHE_SIZE", 2)
    for i in range(5):
        fingerprint(write(f"f{i}", str(i)))
    assert len(hashing._cache) == 2
