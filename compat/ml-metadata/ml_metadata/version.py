"""The ml-metadata version whose API this package provides (``ml_metadata.__version__``)."""

from __future__ import annotations

from ml_metadata._lineage_compat import MLMD_API_VERSION

__version__ = MLMD_API_VERSION
