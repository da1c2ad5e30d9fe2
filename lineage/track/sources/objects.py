"""Data objects passed as inputs: Hugging Face datasets, Delta tables, arrays and frames.

Objects are recognised by their class's module and name, so nothing here imports ``datasets``,
``deltalake``, NumPy or pandas (an object of theirs means its package is loaded already).

- ``datasets.Dataset``: its fingerprint (the hash ``datasets`` keeps of how the table was made),
  builder, config, split, version and number of rows; identity ``hf:<fingerprint>``. Local
  datasets only: the hub is never asked. The revision of a hub dataset is part of the builder
  hash ``datasets`` puts in its cache path, recorded as ``hf.cache_hash``.
- ``datasets.DatasetDict``: one artifact for all splits, identity over the splits' fingerprints.
- ``deltalake.DeltaTable``: see :mod:`lineage.track.sources.delta`.
- NumPy arrays, pandas DataFrames and Series: sha256 over dtype, shape (columns) and bytes
  (pandas' own row hashes), identity ``memory:sha256:<hex>``, URI ``memory://<kind>/<shape>``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from lineage.track.hashing import SKIP_OFF, Fingerprint
from lineage.track.sources import delta

__all__ = ["fingerprint_object", "recognise"]

_KINDS = {
    ("datasets.arrow_dataset", "Dataset"): "hf-dataset",
    ("datasets.dataset_dict", "DatasetDict"): "hf-dataset-dict",
    ("deltalake.table", "DeltaTable"): "delta-table",
    ("numpy", "ndarray"): "ndarray",
    ("pandas.core.frame", "DataFrame"): "dataframe",
    ("pandas.core.series", "Series"): "series",
    ("pandas", "DataFrame"): "dataframe",  # pandas 3 names its classes' module "pandas"
    ("pandas", "Series"): "series",
}


def recognise(value: Any) -> str | None:
    """The kind of data object ``value`` is, or None."""
    for cls in type(value).__mro__:
        kind = _KINDS.get((cls.__module__, cls.__qualname__))
        if kind is not None:
            return kind
    return None


def _hf_details(ds: Any) -> list[tuple[str, Any]]:
    info = ds.info
    details: list[tuple[str, Any]] = [("hf.fingerprint", str(ds._fingerprint))]
    for key, value in (
        ("hf.builder", info.builder_name),
        ("hf.config", info.config_name),
        ("hf.dataset_name", info.dataset_name),
        ("hf.split", None if ds.split is None else str(ds.split)),
        ("hf.version", None if info.version is None else str(info.version)),
    ):
        if value:
            details.append((key, value))
    details.append(("hf.num_rows", int(ds.num_rows)))
    files = [c.get("filename") for c in ds.cache_files if isinstance(c, dict)]
    if files and files[0]:
        details.append(("hf.cache_hash", os.path.basename(os.path.dirname(files[0]))))
    return details


def _hf_uri(ds: Any) -> str:
    files = [c.get("filename") for c in ds.cache_files if isinstance(c, dict)]
    split = "" if ds.split is None else f"/{ds.split}"
    if files and files[0]:
        return os.path.dirname(str(files[0])) + split
    return f"memory://datasets/{ds.info.builder_name or 'in-memory'}{split}"


def _hash_array(h: Any, arr: Any) -> None:
    import numpy as np  # loaded already: the object is one of NumPy's or pandas'

    a = np.ascontiguousarray(arr)
    h.update(f"{a.dtype.str}|{a.shape}|".encode())
    if a.dtype.hasobject:
        h.update(json.dumps(a.tolist(), default=str).encode())
    else:
        h.update(a.tobytes())


def _memory(value: Any, kind: str, hash_content: bool) -> Fingerprint:
    size: int | None
    if kind == "ndarray":
        shape = "x".join(str(n) for n in value.shape) or "scalar"
        size = int(value.nbytes)
    else:
        shape = "x".join(str(n) for n in value.shape)
        size = int(value.memory_usage(deep=False).sum()) if kind == "dataframe" else None
    uri = f"memory://{kind}/{shape}"
    if not hash_content:
        return Fingerprint(uri=uri, digest=None, size_bytes=size, skipped=SKIP_OFF)
    h = hashlib.sha256(f"lineage-memory-v1|{kind}|".encode())
    if kind == "ndarray":
        _hash_array(h, value)
    else:
        import pandas as pd  # loaded already

        columns = list(value.columns) if kind == "dataframe" else [value.name]
        dtypes = [str(t) for t in (value.dtypes if kind == "dataframe" else [value.dtype])]
        h.update(json.dumps([columns, dtypes, list(value.shape)], default=str).encode())
        _hash_array(h, pd.util.hash_pandas_object(value, index=True).to_numpy())
    hexdigest = h.hexdigest()
    return Fingerprint(
        uri=uri,
        digest=f"memory:sha256:{hexdigest}",
        size_bytes=size,
        source="memory",
        details=(("memory.kind", kind), ("memory.shape", shape)),
        label=f"{kind}-{shape}@{hexdigest[:12]}",
    )


def fingerprint_object(value: Any, kind: str, *, hash_content: bool = True) -> Fingerprint:
    """The :class:`Fingerprint` of a recognised data object (see :func:`recognise`)."""
    if kind == "delta-table":
        return delta.from_table(value)
    if kind == "hf-dataset":
        fp = str(value._fingerprint)
        name = value.info.dataset_name or value.info.builder_name or "dataset"
        split = f"-{value.split}" if value.split is not None else ""
        return Fingerprint(
            uri=_hf_uri(value),
            digest=f"hf:{fp}",
            size_bytes=None,
            source="huggingface",
            details=tuple(_hf_details(value)),
            label=f"{name}{split}@{fp[:12]}",
        )
    if kind == "hf-dataset-dict":
        splits = sorted(value)
        prints = {s: str(value[s]._fingerprint) for s in splits}
        digest = hashlib.sha256(json.dumps(prints, sort_keys=True).encode()).hexdigest()
        first = value[splits[0]] if splits else None
        details: list[tuple[str, Any]] = [
            ("hf.splits", ",".join(splits)),
            ("hf.fingerprints", json.dumps(prints, sort_keys=True)),
        ]
        if first is not None:
            details += [d for d in _hf_details(first) if d[0] in ("hf.builder", "hf.config")]
        name = (first.info.dataset_name or first.info.builder_name) if first else None
        base = _hf_uri(first).rsplit("/", 1)[0] if first is not None else "memory://datasets"
        return Fingerprint(
            uri=base,
            digest=f"hf:dict:{digest[:32]}",
            source="huggingface",
            details=tuple(details),
            label=f"{name or 'datasets'}@{digest[:12]}",
        )
    return _memory(value, kind, hash_content)
