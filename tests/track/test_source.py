"""Code capture: git state, entry points (scripts and notebooks) and the command line."""

from __future__ import annotations

import hashlib
import shlex
import sys
from pathlib import Path

import nbformat
import pytest

from lineage.track import source
from lineage.track.source import capture_code, capture_git, notebook_digest
from tests.track.helpers import git


def test_a_clean_work_tree(repo: Path) -> None:
    info = capture_git(repo)
    assert info is not None
    assert info.commit == git(repo, "rev-parse", "HEAD").strip()
    assert (info.branch, info.dirty, info.diff_sha256) == ("main", False, None)
    assert info.root == str(repo)
    assert info.repository == str(repo)


def test_uncommitted_changes_make_it_dirty_with_a_diff_hash(repo: Path) -> None:
    (repo / "untracked.csv").write_text("outputs do not count\n")
    assert capture_git(repo).dirty is False  # type: ignore[union-attr]
    (repo / "train.py").write_text("print('changed')\n")
    info = capture_git(repo)
    assert info is not None
    assert info.dirty
    diff = git(repo, "diff", "HEAD", "--binary").encode()
    assert info.diff_sha256 == "sha256:" + hashlib.sha256(diff).hexdigest()
    (repo / "train.py").write_text("print('changed again')\n")
    assert capture_git(repo).diff_sha256 != info.diff_sha256  # type: ignore[union-attr]


def test_the_remote_url_is_recorded_without_credentials(repo: Path) -> None:
    git(repo, "remote", "add", "upstream", "https://example.invalid/up.git")
    assert capture_git(repo).repository == "https://example.invalid/up.git"  # type: ignore[union-attr]
    git(repo, "remote", "add", "origin", "https://user:token@example.invalid/org/repo.git")
    assert capture_git(repo).repository == "https://example.invalid/org/repo.git"  # type: ignore[union-attr]


def test_a_detached_head_has_no_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    info = capture_git(repo)
    assert info is not None
    assert info.branch is None
    assert info.commit


def test_a_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "a.py")
    info = capture_git(tmp_path)
    assert info is not None
    assert info.commit is None
    assert info.dirty
    assert info.diff_sha256


def test_no_repository_or_no_git_means_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert capture_git(tmp_path) is None
    monkeypatch.setenv("PATH", str(tmp_path))
    assert capture_git(Path(__file__).parent) is None


def test_a_hanging_git_is_given_up(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nsleep 5\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setattr(source, "GIT_TIMEOUT", 0.2)
    assert capture_git(repo) is None


def test_the_entry_point_is_relative_to_the_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [str(repo / "train.py"), "--lr", "0.1"])
    code = capture_code()
    assert code.entry_point == "train.py"
    data = (repo / "train.py").read_bytes()
    assert code.entry_point_sha256 == "sha256:" + hashlib.sha256(data).hexdigest()
    assert code.git is not None
    assert code.git.root == str(repo)
    assert code.command == shlex.join(sys.orig_argv)


def test_captures_can_be_turned_off(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(repo / "train.py")])
    code = capture_code(git=False, entry_point=False, command=False)
    assert (code.git, code.entry_point, code.entry_point_sha256, code.command) == (
        None,
        None,
        None,
        None,
    )
    outside = capture_code(git=False)
    assert outside.entry_point == str(repo / "train.py")  # absolute without a repository


def test_no_script_means_no_entry_point(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for argv0 in ("-c", "", "/usr/lib/python3/ipykernel_launcher.py"):
        monkeypatch.setattr(sys, "argv", [argv0])
        assert capture_code(git=False).entry_point is None


def _notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    nb = nbformat.v4.new_notebook()
    for kind, text in cells:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(text))
    nbformat.write(nb, path)


def test_a_notebook_hash_covers_its_code_cells_only(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    _notebook(path, [("markdown", "# Title"), ("code", "x = 1"), ("code", "print(x)")])
    first = notebook_digest(path)
    _notebook(path, [("markdown", "# Other title"), ("code", "x = 1"), ("code", "print(x)")])
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[1].execution_count = 7
    nbformat.write(nb, path)
    assert notebook_digest(path) == first
    _notebook(path, [("code", "x = 2"), ("code", "print(x)")])
    assert notebook_digest(path) != first
    (tmp_path / "broken.ipynb").write_text("{")
    assert notebook_digest(tmp_path / "broken.ipynb") is None


def test_the_running_notebook_is_the_entry_point(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo / "notebooks" / "a.ipynb"
    path.parent.mkdir()
    _notebook(path, [("code", "x = 1")])
    monkeypatch.setattr(sys, "argv", ["/x/ipykernel_launcher.py", "-f", "kernel.json"])
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    code = capture_code()
    assert code.entry_point == "notebooks/a.ipynb"
    assert code.entry_point_sha256 == notebook_digest(path)
    assert code.git is not None
    assert code.git.root == str(repo)
