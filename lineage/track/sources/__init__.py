"""Data versions that other tools already know, recorded without reading the data.

lineage fingerprints an input by hashing its bytes (:mod:`lineage.track.hashing`), unless a
tool that versions data already names the version. Then the artifact is identified by that
tool's record and the bytes are never read:

=============== ==================================================== =========================
source          recognised when                                      identity (external id)
=============== ==================================================== =========================
``dvc``         ``<path>.dvc`` exists, or ``dvc.lock`` lists the      ``md5:<hex>`` (DVC's hash)
                path as a stage output or dependency
``git-lfs``     the file is a Git LFS pointer, or a checked-out file   ``sha256:<oid>`` (the LFS
                whose index entry is one (``filter=lfs``)             oid is the sha256)
``delta``       a directory with a ``_delta_log``, or a              ``delta:<table id>@v<N>``
                ``deltalake.DeltaTable``
``lakefs``      ``lakefs://repo/<commit id>/path``                    ``lakefs:repo@commit/path``
``s3``, ``gcs`` ``s3://b/k?versionId=V``, ``gs://b/o#<generation>``  the URI
``huggingface`` a ``datasets.Dataset`` or ``DatasetDict``             ``hf:<fingerprint>``
``memory``      a NumPy array or a pandas DataFrame / Series          ``memory:sha256:<hex>``
=============== ==================================================== =========================

Each artifact records ``version_source`` and the source's own fields (``dvc.hash``, ``lfs.oid``,
``delta.version``, ...), so provenance, diff and the audit dossier show where a version came
from. Detection is cheap: a few ``stat`` calls per input (results cached per directory), two
``git`` calls for a checked-out LFS file, one small JSON read for a Delta table. No module here
imports a data tool's package: DVC, Git LFS and Delta metadata are plain files, and objects are
recognised by their class without importing ``datasets``, ``deltalake``, NumPy or pandas.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.bin").write_text(
    ...     "version https://git-lfs.github.com/spec/v1\\n"
    ...     "oid sha256:" + "ab" * 32 + "\\nsize 1073741824\\n")
    >>> fp = identify(folder / "a.bin")
    >>> fp.source, fp.digest[:13], fp.size_bytes
    ('git-lfs', 'sha256:ababab', 1073741824)
"""

from __future__ import annotations

import os
import stat
from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.track.hashing import Fingerprint, fingerprint, local_path

__all__ = ["identify", "is_data_object"]


def is_data_object(value: Any) -> bool:
    """True for an in-memory data object lineage can record as an input (not a path)."""
    from lineage.track.sources import objects

    if isinstance(value, Fingerprint):
        return True
    return objects.recognise(value) is not None


def identify(
    value: Any,
    *,
    hash_content: bool = True,
    progress: bool | None = None,
    what: str = "path",
) -> Fingerprint:
    """The :class:`Fingerprint` of an input or output: a known tool's version, else its sha256.

    Args:
        value: A path, a URI, or a data object (``datasets.Dataset``, ``deltalake.DeltaTable``,
            a NumPy array, a pandas DataFrame).
        hash_content: False to record paths without reading them (known versions are still
            recorded: they need no reading).
        progress: Passed to :func:`lineage.track.hashing.fingerprint`.
        what: How errors name the item.

    Raises:
        InvalidArgumentError: The path does not exist or cannot be read, or the value is
            neither a path nor a data object lineage knows.
    """
    if isinstance(value, Fingerprint):  # identified already (an imported pipeline's record)
        return value
    if not isinstance(value, (str, os.PathLike)):
        from lineage.track.sources import objects

        kind = objects.recognise(value)
        if kind is None:
            raise InvalidArgumentError(
                f"{what} must be a path, a URI or a data object (datasets.Dataset, "
                f"deltalake.DeltaTable, a NumPy array, a pandas DataFrame), got "
                f"{type(value).__name__}: {value!r:.80}"
            )
        return objects.fingerprint_object(value, kind, hash_content=hash_content)
    text = os.fspath(value)
    if isinstance(text, str) and text:
        path = local_path(text)
        if path is None:
            from lineage.track.sources import uris

            known = uris.identify_uri(text)
            if known is not None:
                return known
        else:
            known = _identify_path(path, what)
            if known is not None:
                return known
    return fingerprint(value, hash_content=hash_content, progress=progress, what=what)


def _identify_path(path: str, what: str) -> Fingerprint | None:
    from lineage.track.sources import delta, dvc, lfs

    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:
        st = None
    found = dvc.identify(path, st)
    if found is not None or st is None:
        return found  # a missing path DVC does not know is fingerprint()'s error to report
    if stat.S_ISDIR(st.st_mode):
        return delta.identify_path(path)
    if stat.S_ISREG(st.st_mode):
        if not os.access(path, os.R_OK):
            raise InvalidArgumentError(f"{what} {path!r} cannot be read: Permission denied")
        return lfs.identify(path, st)
    return None
