"""Where ml-metadata 1.17.1's own test files come from, for the two suite runners.

With Google's ml-metadata installed (.venv-mlmd), they sit in its package. With lineage's
compatibility package in its place (.venv-compat), they are read out of Google's wheel, which
`make` downloads next to that environment (``--wheel``, or ``LINEAGE_MLMD_WHEEL``) and which is
never installed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

SUITE_FILES = ("metadata_store_test.py", "conftest.py")
MEMBER_DIR = "ml_metadata/metadata_store/"


def suite_source(wheel: str | None, work: Path) -> Path:
    """A directory holding the suite's files; extracted into ``work`` when read from a wheel."""
    wheel = wheel or os.environ.get("LINEAGE_MLMD_WHEEL")
    if wheel:
        target = work / "from-wheel"
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in SUITE_FILES:
                (target / name).write_bytes(archive.read(MEMBER_DIR + name))
        return target
    import ml_metadata.metadata_store as mlmd_store

    source = Path(mlmd_store.__file__).parent
    missing = [name for name in SUITE_FILES if not (source / name).exists()]
    if missing:
        raise SystemExit(
            f"{source} has no {', '.join(missing)}: this ml_metadata is not Google's wheel"
            " (lineage's compatibility package?); pass --wheel ml_metadata-1.17.1-*.whl"
        )
    return source
