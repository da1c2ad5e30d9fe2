"""Errors of the render layer: Graphviz missing, failing or too slow."""

from __future__ import annotations

from typing import Final

from lineage.errors import FailedPreconditionError

__all__ = ["INSTALL_HINT", "GraphvizNotFoundError", "RenderError"]

#: How to get the ``dot`` binary, shown wherever Graphviz is needed and missing.
INSTALL_HINT: Final = (
    "install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "or `make graphviz` in a lineage checkout"
)


class RenderError(FailedPreconditionError):
    """A diagram could not be drawn: Graphviz is missing, failed, or took too long.

    DOT and Mermaid text never raise it: they need nothing installed.
    """


class GraphvizNotFoundError(RenderError):
    """The Graphviz ``dot`` binary is not installed (or not on ``PATH``)."""
