"""Which ``ml_metadata`` package is installed: Google's, lineage's compatibility one, or none.

lineage borrows Google's generated protobuf modules and error classes when Google's
``ml-metadata`` is installed, so that both packages hand out the same objects. The
``ml-metadata-lineage`` distribution (``compat/ml-metadata``) installs an ``ml_metadata`` package
that is itself backed by lineage; lineage must then use its own modules (borrowing from it would
be borrowing from itself). The check looks at files only and imports nothing.
"""

from __future__ import annotations

import importlib.util
import os
import sys

#: The file that marks the ``ml_metadata`` package of ``ml-metadata-lineage``.
COMPAT_MARKER = "_lineage_compat.py"


def _google_distribution_installed() -> bool:
    import importlib.metadata

    try:
        importlib.metadata.distribution("ml-metadata")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def google_ml_metadata_installed() -> bool:
    """True when ``import ml_metadata`` would give Google's ml-metadata.

    False when no ``ml_metadata`` is installed, or when it is lineage's compatibility package.
    If both distributions were installed into one environment (their files overwrite each
    other), Google's counts: its native extension is there, and lineage's package refuses to
    import in that state.
    """
    module = sys.modules.get("ml_metadata")
    if module is not None and getattr(module, "__lineage_compat__", False):
        return False
    try:
        spec = importlib.util.find_spec("ml_metadata")
    except ValueError:  # in sys.modules without a __spec__, e.g. an alias set up by a test
        return module is not None
    if spec is None:
        return False
    locations = list(spec.submodule_search_locations or ())
    if any(os.path.exists(os.path.join(where, COMPAT_MARKER)) for where in locations):
        return _google_distribution_installed()
    return True
