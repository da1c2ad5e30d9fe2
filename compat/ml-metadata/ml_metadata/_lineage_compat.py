"""Marks this ``ml_metadata`` package as lineage's (the ``ml-metadata-lineage`` distribution).

lineage looks for this file (``lineage._upstream``) to know that the installed ``ml_metadata`` is
backed by lineage itself, so that it uses its own protobuf modules and errors rather than
borrowing them from here.
"""

from __future__ import annotations

#: The version of this distribution: always the version of lineage it is released with.
__version__ = "0.1.0"

#: The ml-metadata release whose Python API, protos and errors this package provides.
MLMD_API_VERSION = "1.17.1"

#: The distribution this package must not share an environment with.
GOOGLE_DISTRIBUTION = "ml-metadata"


def refuse_if_google_installed() -> None:
    """Raise ImportError when Google's ml-metadata is installed into the same environment.

    Both distributions install the ``ml_metadata`` package, so the second one installed has
    overwritten files of the first: neither can be trusted until one is removed.
    """
    import importlib.metadata

    try:
        google = importlib.metadata.distribution(GOOGLE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return
    raise ImportError(
        f"ml_metadata: both Google's ml-metadata {google.version} and ml-metadata-lineage "
        f"{__version__} are installed; they install the same package and have overwritten each "
        "other's files. Run `pip uninstall -y ml-metadata ml-metadata-lineage`, then install "
        "exactly one of them."
    )
