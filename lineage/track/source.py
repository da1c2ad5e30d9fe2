"""The code that ran: git state, the entry point (script or notebook) and the command line.

Git is asked through ``git`` subprocesses (a short timeout, no index lock taken); when git is
missing, the directory is not a repository or git does not answer in time, the git fields are
simply absent. The repository URL is the ``origin`` remote (else the first remote, else the
local work tree path), with any user name or password removed. ``dirty`` covers tracked files
only (untracked files such as outputs and the store itself do not count); ``diff_sha256`` is
sha256 of ``git diff HEAD --binary``.

The entry point is the notebook being run (found through ``JPY_SESSION_NAME``, VS Code's
``__vsc_ipynb_file__`` or Jupyter's ``__session__``; its hash covers the code cells only, read
with nbformat) or else the script in ``sys.argv[0]``; its path is relative to the repository
root when inside one. A notebook's code cells are also kept as a script in the ``py:percent``
format (``# %%`` before each cell): written by jupytext when it is installed, else joined here
the same way (jupytext turns magics such as ``%pip`` into comments, the plain join keeps them).
Scripts above :data:`MAX_NOTEBOOK_SCRIPT` bytes are left out, with the reason recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from lineage.errors import InvalidArgumentError
from lineage.track.hashing import hash_file

__all__ = [
    "GIT_TIMEOUT",
    "MAX_NOTEBOOK_SCRIPT",
    "SCRIPT_FORMAT",
    "CodeInfo",
    "GitInfo",
    "NotebookScript",
    "capture_code",
    "capture_git",
    "command_line",
    "find_notebook",
    "git_env",
    "git_output",
    "notebook_digest",
    "notebook_script",
    "script_cells",
    "strip_credentials",
]

#: Seconds a git subprocess may take before git is recorded as absent.
GIT_TIMEOUT: Final = 5.0
#: The largest notebook script recorded with a run (UTF-8 bytes); larger ones are left out.
MAX_NOTEBOOK_SCRIPT: Final = 1 << 20
#: The text format of a recorded notebook script (jupytext's name for it).
SCRIPT_FORMAT: Final = "py:percent"
_CELL_MARKER: Final = "# %%"

_log = logging.getLogger("lineage.track")


@dataclass(frozen=True)
class GitInfo:
    """The state of the git work tree.

    Attributes:
        root: The work tree's top directory.
        repository: The remote URL without credentials (or the root path when there is none).
        commit: The checked-out commit (None before the first commit).
        branch: The branch (None when detached).
        dirty: True when tracked files differ from the commit.
        diff_sha256: ``sha256:<hex>`` of the uncommitted diff (None when clean).
    """

    root: str
    repository: str
    commit: str | None
    branch: str | None
    dirty: bool
    diff_sha256: str | None


@dataclass(frozen=True)
class NotebookScript:
    """A notebook's code cells as one ``py:percent`` script.

    Attributes:
        script: The text: ``# %%`` then the cell's source, for each code cell in order.
        generator: What wrote it: ``jupytext <version>`` or ``lineage`` (the plain join).
    """

    script: str
    generator: str

    def to_dict(self) -> dict[str, str]:
        """What ``code.notebook_script`` holds: ``format``, ``generator`` and ``script``."""
        return {"format": SCRIPT_FORMAT, "generator": self.generator, "script": self.script}

    @property
    def cells(self) -> list[str]:
        """The code cells read back from the script (see :func:`script_cells`)."""
        return script_cells(self.script)


@dataclass(frozen=True)
class CodeInfo:
    """Everything recorded about the code of a run (each field None when unknown or off).

    Attributes:
        git: The git state.
        entry_point: The script or notebook path (relative to the repository root if inside).
        entry_point_sha256: ``sha256:<hex>`` of the script, or of a notebook's code cells.
        command: The command line (``sys.orig_argv``, shell-quoted).
        function: ``module.qualname`` of a decorated component.
        notebook_script: A notebook entry point's code cells as a script.
        notebook_script_skipped: Why a notebook's script was left out (too large, unreadable).
    """

    git: GitInfo | None = None
    entry_point: str | None = None
    entry_point_sha256: str | None = None
    command: str | None = None
    function: str | None = None
    notebook_script: NotebookScript | None = None
    notebook_script_skipped: str | None = None


def git_env() -> dict[str, str]:
    """The environment git runs in: no optional index writes, no prompts, C locale."""
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"  # git status must not write the index
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    return env


def _start(cwd: str, *args: str) -> subprocess.Popen[bytes]:
    """Start git in ``cwd`` (an absolute executable, no cwd change and inherited descriptors
    let Python use posix_spawn, several times cheaper than fork in a large process)."""
    executable = shutil.which("git")
    if executable is None:
        raise FileNotFoundError("git")
    return subprocess.Popen(
        [executable, "-C", cwd, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=git_env(),
        close_fds=False,  # Python's own descriptors are not inheritable (PEP 446)
    )


def _output(proc: subprocess.Popen[bytes]) -> bytes | None:
    try:
        out, _ = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        _log.warning("git did not answer within %.0f s; code.* git fields left out", GIT_TIMEOUT)
        return None
    return out if proc.returncode == 0 else None


def _finish(proc: subprocess.Popen[bytes]) -> str | None:
    out = _output(proc)
    return None if out is None else out.decode("utf-8", "replace")


def git_output(cwd: str, *args: str) -> bytes | None:
    """What ``git -C cwd ARGS`` printed, or None when git is missing, fails or times out."""
    try:
        return _output(_start(cwd, *args))
    except OSError:
        return None


def strip_credentials(url: str, *, query: bool = True, marker: str | None = None) -> str:
    """``url`` without the user and password of its host (and without its query and fragment
    when ``query`` is False: they may carry signed tokens).

    With ``marker``, the user name is kept and only a password is replaced, by ``marker``.

    Example:
        >>> strip_credentials("https://u:pw@host/r.git"), strip_credentials(
        ...     "mysql://u:pw@host/db", marker="<redacted>")
        ('https://host/r.git', 'mysql://u:<redacted>@host/db')
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme and ("@" in parts.netloc or not query):
        userinfo, at, host = parts.netloc.rpartition("@")
        if marker is not None and at:
            user, colon, _ = userinfo.partition(":")
            host = f"{user}{colon and ':' + marker}@{host}"
        rest = (parts.query, parts.fragment) if query else ("", "")
        return urlunsplit((parts.scheme, host, parts.path, *rest))
    return url


def _remote(config: str | None) -> str | None:
    """The URL of ``origin``, else of the first remote, from ``git config --get-regexp``."""
    remotes: dict[str, str] = {}
    for line in (config or "").splitlines():
        key, _, value = line.partition(" ")
        name = key[len("remote.") : -len(".url")]
        remotes.setdefault(name, value.strip())
    url = remotes.get("origin") or next(iter(remotes.values()), None)
    return strip_credentials(url) if url else None


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else "sha256:" + hashlib.sha256(data).hexdigest()


def _initial_diff(root: str) -> bytes | None:
    """The staged changes of a repository without commits (there is no HEAD to diff with)."""
    return git_output(root, "diff", "--cached", "--binary")


def capture_git(directory: str | os.PathLike[str] | None = None) -> GitInfo | None:
    """The git state of the work tree holding ``directory`` (default: the current directory).

    Returns:
        None when git is not installed, ``directory`` is not in a work tree, or git times out.
    """
    cwd = os.fspath(directory) if directory is not None else os.getcwd()
    try:  # all at once: the diff is read only when the tree turns out to be dirty
        top = _start(cwd, "rev-parse", "--show-toplevel")
        status = _start(cwd, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
        config = _start(cwd, "config", "--get-regexp", r"^remote\..*\.url$")
        diff = _start(cwd, "diff", "HEAD", "--binary")
    except OSError:  # no git binary, or cwd vanished
        return None
    root_text, status_text, config_text = _finish(top), _finish(status), _finish(config)
    diff_bytes = _output(diff)
    if root_text is None or status_text is None:
        return None
    root = root_text.strip()
    commit: str | None = None
    branch: str | None = None
    dirty = False
    for line in status_text.splitlines():
        if line.startswith("# branch.oid "):
            value = line[len("# branch.oid ") :].strip()
            commit = None if value == "(initial)" else value
        elif line.startswith("# branch.head "):
            value = line[len("# branch.head ") :].strip()
            branch = None if value == "(detached)" else value
        elif line and not line.startswith("#"):
            dirty = True
    return GitInfo(
        root=root,
        repository=_remote(config_text) or root,
        commit=commit,
        branch=branch,
        dirty=dirty,
        diff_sha256=_sha256(diff_bytes if commit else _initial_diff(root)) if dirty else None,
    )


# ------------------------------------------------------------------------------ entry point
def _code_cells(path: str | os.PathLike[str]) -> list[str] | None:
    """The sources of a notebook's code cells (read with nbformat); None if unreadable."""
    try:
        import nbformat

        notebook: Any = nbformat.read(os.fspath(path), as_version=4)  # type: ignore[no-untyped-call,unused-ignore]
        cells = notebook.cells
    except ImportError:  # nbformat is an optional extra; the file format is plain JSON
        try:
            with open(path, encoding="utf-8") as f:
                cells = json.load(f).get("cells", [])
        except (OSError, ValueError, AttributeError):
            return None
    except Exception:  # an unreadable or invalid notebook: no hash rather than no run
        return None
    out: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        out.append("".join(source) if isinstance(source, list) else str(source))
    return out


def _digest(cells: list[str]) -> str:
    digest = hashlib.sha256()
    for text in cells:
        digest.update(text.encode("utf-8") + b"\n\0\n")
    return "sha256:" + digest.hexdigest()


def notebook_digest(path: str | os.PathLike[str]) -> str | None:
    """``sha256:<hex>`` over a notebook's code cells (read with nbformat); None if unreadable.

    Outputs, execution counts and markdown cells do not count, so re-running a notebook or
    editing its prose keeps the hash.
    """
    cells = _code_cells(path)
    return None if cells is None else _digest(cells)


def _jupytext_script(cells: list[str]) -> NotebookScript | None:
    try:
        import jupytext
        import nbformat
    except ImportError:
        return None
    try:
        filters = {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}
        notebook: Any = nbformat.v4.new_notebook(metadata={"jupytext": filters})  # type: ignore[no-untyped-call,unused-ignore]
        notebook.cells = [nbformat.v4.new_code_cell(c) for c in cells]  # type: ignore[no-untyped-call,unused-ignore]
        text = str(jupytext.writes(notebook, fmt=SCRIPT_FORMAT))
    except Exception:  # a jupytext that cannot write this: the plain join instead
        _log.debug("jupytext could not write the notebook script", exc_info=True)
        return None
    return NotebookScript(script=text, generator=f"jupytext {jupytext.__version__}")


def _plain_script(cells: list[str]) -> NotebookScript:
    parts = [f"{_CELL_MARKER}\n{c}\n" if c else f"{_CELL_MARKER}\n" for c in cells]
    return NotebookScript(script="\n".join(parts), generator="lineage")


def notebook_script(
    path: str | os.PathLike[str],
    *,
    limit: int = MAX_NOTEBOOK_SCRIPT,
    cells: list[str] | None = None,
) -> tuple[NotebookScript | None, str | None]:
    """A notebook's code cells as a ``py:percent`` script, or why there is none.

    Args:
        path: The notebook.
        limit: The largest script kept, in UTF-8 bytes.
        cells: The code cells when already read (else read from ``path``).

    Returns:
        ``(script, None)``, or ``(None, reason)`` when the notebook cannot be read or the script
        is larger than ``limit``.
    """
    if cells is None:
        cells = _code_cells(path)
    if cells is None:
        return None, "the notebook could not be read"
    found = _jupytext_script(cells) or _plain_script(cells)
    size = len(found.script.encode("utf-8"))
    if size > limit:
        reason = f"the notebook's script is {size:,} bytes, above the {limit:,}-byte limit"
        _log.warning("%s: %s; code.notebook_script left out", os.fspath(path), reason)
        return None, reason
    return found, None


def script_cells(script: str) -> list[str]:
    """The code cells of a ``py:percent`` script: the text after each ``# %%`` line.

    Text before the first marker (a jupytext header) is skipped; trailing blank lines of a cell
    (the separators jupytext writes) are dropped.
    """
    cells: list[list[str]] = []
    for line in script.splitlines():
        if line == _CELL_MARKER or line.startswith(_CELL_MARKER + " "):
            cells.append([])
        elif cells:
            cells[-1].append(line)
    out = []
    for lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        out.append("\n".join(lines))
    return out


def find_notebook() -> str | None:
    """The path of the notebook this kernel runs, when Jupyter or VS Code says; else None."""
    candidates: list[str] = []
    try:
        ipython_module = sys.modules.get("IPython")
        shell = ipython_module.get_ipython() if ipython_module is not None else None
    except Exception:  # IPython half-imported or broken
        shell = None
    user_ns: dict[str, Any] = getattr(shell, "user_ns", None) or {}
    for name in ("__vsc_ipynb_file__", "__session__"):
        value = user_ns.get(name)
        if isinstance(value, str):
            candidates.append(value)
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        candidates.append(session)
    for candidate in candidates:
        if candidate.endswith(".ipynb") and os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


def _file_sha256(path: str) -> str | None:
    """``sha256:<hex>`` of the file, through the file hash cache (every run hashes its entry
    point), or None when it cannot be read."""
    try:
        return hash_file(path)
    except InvalidArgumentError:
        return None


def _script() -> str | None:
    argv0 = sys.argv[0] if sys.argv else ""
    if not argv0 or argv0 == "-c" or "ipykernel" in os.path.basename(argv0):
        return None
    path = os.path.abspath(argv0)
    return path if os.path.isfile(path) else None


def command_line() -> str:
    """The command line of this process, shell-quoted (with the interpreter and its flags)."""
    argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    return shlex.join(argv)


def _relative(path: str, root: str | None) -> str:
    if root:
        try:
            rel = os.path.relpath(path, root)
        except ValueError:  # another drive on Windows
            return path
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return path


def capture_code(
    *,
    git: bool = True,
    entry_point: bool = True,
    command: bool = True,
    entry_point_path: str | os.PathLike[str] | None = None,
    function: str | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> CodeInfo:
    """Capture what the switches ask for.

    Args:
        git: Record the git state of the repository holding the entry point (or ``directory``,
            else the current directory).
        entry_point: Record the entry point's path and hash (and a notebook's script).
        command: Record the command line.
        entry_point_path: The script or notebook to record instead of the detected one.
        function: ``module.qualname`` of a decorated component.
        directory: Where to look for the repository when there is no entry point file.
    """
    path: str | None = None
    if entry_point or git:
        if entry_point_path is not None:
            path = os.path.abspath(os.fspath(entry_point_path))
        else:
            path = find_notebook() or _script()
    where = directory if directory is not None else (os.path.dirname(path) if path else None)
    git_info = capture_git(where) if git else None
    ep: str | None = None
    ep_hash: str | None = None
    script: NotebookScript | None = None
    skipped: str | None = None
    if entry_point and path is not None:
        ep = _relative(path, git_info.root if git_info else None)
        if path.endswith(".ipynb"):
            cells = _code_cells(path)
            if cells is None:
                skipped = "the notebook could not be read"
            else:
                ep_hash = _digest(cells)
                script, skipped = notebook_script(path, cells=cells)
        else:
            ep_hash = _file_sha256(path)
    return CodeInfo(
        git=git_info,
        entry_point=ep,
        entry_point_sha256=ep_hash,
        command=command_line() if command else None,
        function=function,
        notebook_script=script,
        notebook_script_skipped=skipped,
    )
