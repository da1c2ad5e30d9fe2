"""Versioned object URIs: lakeFS commits, S3 object versions and GCS generations.

lineage never touches the network: the version is read from the URI itself.

- ``lakefs://<repo>/<ref>/<path>``: the ref is recorded; a ref that is a commit id (hex, at
  least 12 digits) is a fixed version, identity ``lakefs:<repo>@<commit>/<path>``. A branch or
  tag is recorded (``lakefs.ref``) but names no fixed version: the artifact is reused by URI.
- ``s3://<bucket>/<key>?versionId=<id>``: ``s3.version_id``; identity is the URI as given, the
  artifact's URI is the object's without the version (so versions of one object are numbered).
- ``gs://<bucket>/<object>#<generation>``: ``gcs.generation``, the same way.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lineage.track.hashing import Fingerprint

__all__ = ["identify_uri"]

_COMMIT_ID = re.compile(r"^[0-9a-f]{12,64}$")


def identify_uri(uri: str) -> Fingerprint | None:
    """The version a URI names, or None for a URI without one."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "lakefs":
        repo = parts.netloc
        ref, _, path = parts.path.lstrip("/").partition("/")
        if not repo or not ref:
            return None
        details: list[tuple[str, Any]] = [
            ("lakefs.repository", repo),
            ("lakefs.ref", ref),
            ("lakefs.path", path),
        ]
        if _COMMIT_ID.match(ref):
            details.append(("lakefs.commit", ref))
            return Fingerprint(
                uri=uri,
                digest=f"lakefs:{repo}@{ref}/{path}",
                source="lakefs",
                details=tuple(details),
                label=f"{path.rsplit('/', 1)[-1] or repo}@{ref[:12]}",
            )
        return Fingerprint(
            uri=uri,
            digest=None,
            skipped=f"lakeFS ref {ref!r} is a branch or tag, not a commit: no fixed version",
            source="lakefs",
            details=tuple(details),
        )
    if scheme in ("s3", "s3a"):
        version = parse_qs(parts.query).get("versionId", [None])[0]
        if not version:
            return None
        return Fingerprint(
            uri=f"{parts.scheme}://{parts.netloc}{parts.path}",
            digest=uri,
            source="s3",
            details=(
                ("s3.bucket", parts.netloc),
                ("s3.key", parts.path.lstrip("/")),
                ("s3.version_id", version),
            ),
            label=f"{parts.path.rsplit('/', 1)[-1] or parts.netloc}@{version[:12]}",
        )
    if scheme == "gs" and parts.fragment.isdigit():
        return Fingerprint(
            uri=f"gs://{parts.netloc}{parts.path}",
            digest=uri,
            source="gcs",
            details=(
                ("gcs.bucket", parts.netloc),
                ("gcs.object", parts.path.lstrip("/")),
                ("gcs.generation", int(parts.fragment)),
            ),
            label=f"{parts.path.rsplit('/', 1)[-1] or parts.netloc}@{parts.fragment}",
        )
    return None
