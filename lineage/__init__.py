"""lineage: an ML lineage graph store that reads and writes the ML Metadata (MLMD) format."""

from __future__ import annotations

__version__ = "0.1.0"
