"""Running Graphviz's ``dot`` binary: DOT text in, SVG/PNG/PDF out.

No Python binding is needed: the binary runs as a subprocess with a timeout. Which binary is
used: ``$LINEAGE_GRAPHVIZ_DOT`` when set, else ``dot`` on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Final

from lineage.errors import InvalidArgumentError
from lineage.render._errors import INSTALL_HINT, GraphvizNotFoundError, RenderError

__all__ = [
    "DEFAULT_TIMEOUT",
    "DOT_ENV",
    "GRAPHVIZ_FORMATS",
    "dot_binary",
    "graphviz_available",
    "run_dot",
]

#: Environment variable naming the ``dot`` binary to use.
DOT_ENV: Final = "LINEAGE_GRAPHVIZ_DOT"
#: Seconds a Graphviz run may take before it is stopped.
DEFAULT_TIMEOUT: Final = 300.0
#: Output formats drawn by Graphviz.
GRAPHVIZ_FORMATS: Final = ("svg", "png", "pdf")
#: Resolution of PNG output (Graphviz's default is 96).
PNG_DPI: Final = 110


def dot_binary() -> str | None:
    """The path of the ``dot`` binary, or None when it is not installed."""
    return shutil.which(os.environ.get(DOT_ENV) or "dot")


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` binary can be run (SVG, PNG, PDF and HTML need it)."""
    return dot_binary() is not None


def run_dot(dot_text: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out and draw DOT text with Graphviz.

    Args:
        dot_text: The DOT source.
        fmt: 'svg', 'png' or 'pdf'.
        timeout: Seconds to wait before stopping Graphviz.

    Returns:
        The drawing, as bytes.

    Raises:
        InvalidArgumentError: ``fmt`` or ``timeout`` is not valid.
        GraphvizNotFoundError: ``dot`` is not installed.
        RenderError: Graphviz failed or took longer than ``timeout``.
    """
    if fmt not in GRAPHVIZ_FORMATS:
        raise InvalidArgumentError(f"format must be one of {GRAPHVIZ_FORMATS}, got {fmt!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InvalidArgumentError(f"timeout must be a positive number of seconds, got {timeout!r}")
    binary = dot_binary()
    if binary is None:
        raise GraphvizNotFoundError(
            f"{fmt.upper()} output needs Graphviz's `dot` program, which was not found; "
            f"{INSTALL_HINT}. DOT and Mermaid text need nothing installed "
            "(lineage.render.to_dot / to_mermaid, or --format dot|mermaid)."
        )
    command = [binary, f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gdpi={PNG_DPI}")
    try:
        done = subprocess.run(
            command,
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"Graphviz took longer than {timeout:g} s to draw the graph and was stopped; draw "
            "fewer nodes (max_nodes, --max-nodes) or allow more time (timeout)"
        ) from exc
    except OSError as exc:
        raise RenderError(f"could not run Graphviz ({binary}): {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RenderError(
            f"Graphviz failed (exit code {done.returncode}): " + (" ".join(problem) or "no output")
        )
    return done.stdout
