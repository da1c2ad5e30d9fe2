"""Which ``ml_metadata`` lineage sees: none, Google's, or its own compatibility package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from lineage._upstream import google_ml_metadata_installed

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "compat" / "ml-metadata"

PROBE = """
import json
from lineage._upstream import google_ml_metadata_installed
import lineage.errors
import lineage.proto
import ml_metadata
import ml_metadata.errors
from ml_metadata.proto import metadata_store_pb2
print(json.dumps({
    "google": google_ml_metadata_installed(),
    "lineage_protos": lineage.proto.metadata_store_pb2.__name__,
    "shared_class": metadata_store_pb2.Artifact is lineage.proto.Artifact,
    "shared_error": ml_metadata.errors.NotFoundError is lineage.errors.NotFoundError,
    "api": ml_metadata.__version__,
}))
"""


def test_no_ml_metadata_in_this_environment() -> None:
    assert google_ml_metadata_installed() is False


def test_compat_package_is_not_mistaken_for_google_ml_metadata() -> None:
    """On the newest protobuf, with compat/ml-metadata on the path, lineage uses its own."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(COMPAT)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "google": False,
        "lineage_protos": "lineage.proto._generated.metadata_store_pb2",
        "shared_class": True,
        "shared_error": True,
        "api": "1.17.1",
    }
