"""Run parameters: dicts, argparse Namespaces, dataclasses and config files, checked and flattened.

Parameters are normalized to a JSON-like tree (mappings with string keys, lists, strings,
numbers, booleans and None) before anything is written; a value that cannot be represented
raises :class:`~lineage.errors.InvalidArgumentError` naming its path. Config files (``.yaml``,
``.yml``, ``.toml``, ``.json``) are read, hashed and parsed; their values merge into the tree in
the order given, later sources overriding earlier ones key by key. Secret values (a
``password``, an ``api_key``, the password of a URL) are then replaced by ``<redacted>``, in the
tree and in each config file's values (:mod:`lineage.track.redaction`).

Example:
    >>> import argparse
    >>> p = collect_params([{"optimizer": {"lr": 0.1}}, argparse.Namespace(epochs=3)])
    >>> p.flat
    {'optimizer.lr': 0.1, 'epochs': 3}
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import numbers
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.track.hashing import hash_bytes
from lineage.track.redaction import Redaction

__all__ = [
    "CONFIG_SUFFIXES",
    "ConfigFile",
    "Params",
    "collect_params",
    "flatten",
    "load_config",
    "normalize",
]

#: Config file name endings and the format each is parsed as.
CONFIG_SUFFIXES: Final = {".yaml": "YAML", ".yml": "YAML", ".toml": "TOML", ".json": "JSON"}
#: Longest flattened parameter path (MLMD property names are at most 255 characters).
MAX_PATH: Final = 255 - len("param.")

Scalar = str | int | float | bool


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file.

    Attributes:
        path: Its absolute path.
        digest: ``sha256:<hex>`` of its bytes.
        size_bytes: Its size.
        values: The parsed, normalized values (a mapping).
        format: 'YAML', 'TOML' or 'JSON'.
    """

    path: str
    digest: str
    size_bytes: int
    values: Mapping[str, Any]
    format: str


@dataclass(frozen=True)
class Params:
    """A run's parameters, ready to record.

    Attributes:
        tree: The merged parameter tree (JSON-ready).
        flat: Dotted path → scalar (lists, None and empty mappings as JSON text).
        configs: The config files the tree was read from, in the order given.
        secret_values: The texts that were redacted, to redact them wherever else they appear
            (the command line); left out of ``repr``.
    """

    tree: Mapping[str, Any]
    flat: Mapping[str, Scalar]
    configs: tuple[ConfigFile, ...] = ()
    secret_values: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


def _type_name(value: Any) -> str:
    return type(value).__name__


def normalize(value: Any, where: str = "params") -> Any:
    """Turn ``value`` into a JSON-like tree, or raise naming the offending path.

    Accepted: None, bool, str, integers and reals (numpy scalars too), lists and tuples,
    mappings with string (or integer) keys, argparse Namespaces, dataclass instances, paths,
    enums (their value), dates and datetimes (ISO text).

    Raises:
        InvalidArgumentError: A value of another kind, or a non-string key.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return normalize(value.value, where)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise InvalidArgumentError(
                    f"parameter {where!r} has a key of type {_type_name(key)} ({key!r}); "
                    "parameter names must be strings"
                )
            name = str(key)
            if not name:
                raise InvalidArgumentError(f"parameter {where!r} has an empty key")
            out[name] = normalize(item, f"{where}.{name}" if where != "params" else name)
        return out
    if isinstance(value, (list, tuple)):
        return [normalize(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise InvalidArgumentError(
        f"parameter {where!r} cannot be recorded: a value of type {_type_name(value)} "
        f"({_short_repr(value)}) is not a number, string, bool, None, list or mapping"
    )


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{_type_name(value)}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=True)


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Scalar]:
    """Flatten a normalized tree to dotted paths (lists, None and empty mappings as JSON text).

    Raises:
        InvalidArgumentError: Two paths collide (``{"a.b": 1, "a": {"b": 2}}``) or a path is
            longer than MLMD allows for a property name.
    """
    out: dict[str, Scalar] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            items = flatten(value, path + ".").items()
        elif isinstance(value, (Mapping, list)) or value is None:
            items = {path: _json_text(value)}.items()
        else:
            items = {path: value}.items()
        for name, item in items:
            if name in out:
                raise InvalidArgumentError(
                    f"parameter {name!r} is given twice (as a dotted name and as a nested key)"
                )
            if len(name) > MAX_PATH:
                raise InvalidArgumentError(
                    f"parameter {name[:40]!r}... is {len(name)} characters long; at most "
                    f"{MAX_PATH} fit in an MLMD property name"
                )
            out[name] = item
    return out


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _parse(path: str, data: bytes, fmt: str) -> Any:
    text = data.decode("utf-8-sig")
    if fmt == "JSON":
        return json.loads(text)
    if fmt == "TOML":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        return tomllib.loads(text)
    import yaml

    return yaml.safe_load(text)


def load_config(path: str | os.PathLike[str]) -> ConfigFile:
    """Read, hash and parse a YAML, TOML or JSON config file.

    Raises:
        InvalidArgumentError: The file is missing, unreadable, of an unknown kind, does not
            parse, or does not hold a mapping at the top. The message names the file.
    """
    full = os.path.abspath(os.path.expanduser(os.fspath(path)))
    suffix = os.path.splitext(full)[1].lower()
    fmt = CONFIG_SUFFIXES.get(suffix)
    if fmt is None:
        raise InvalidArgumentError(
            f"config file {full!r} has an unknown kind; name it .yaml, .yml, .toml or .json "
            "(or pass its values as a dict)"
        )
    try:
        with open(full, "rb") as f:
            data = f.read()
    except FileNotFoundError as exc:
        raise InvalidArgumentError(f"config file {full!r} does not exist") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidArgumentError(f"config file {full!r} cannot be read: {reason}") from exc
    try:
        parsed = _parse(full, data, fmt)
    except Exception as exc:  # each parser has its own error classes
        detail = " ".join(str(exc).split())
        raise InvalidArgumentError(f"config file {full!r} is not valid {fmt}: {detail}") from exc
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, Mapping):
        raise InvalidArgumentError(
            f"config file {full!r} must hold a mapping of parameters at the top, "
            f"not a {_type_name(parsed)}"
        )
    values = normalize(parsed, "params")
    return ConfigFile(
        path=full, digest=hash_bytes(data), size_bytes=len(data), values=values, format=fmt
    )


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def collect_params(sources: Any, *, redact: Redaction | None = None) -> Params:
    """Check, normalize, merge and redact parameters from one source or a list of sources.

    Args:
        sources: None, a mapping, an argparse Namespace, a dataclass instance, a config file
            path (str or PathLike), or a list/tuple of these, merged in order.
        redact: The redaction rule (default: :meth:`Redaction.from_env`).

    Returns:
        The merged, redacted :class:`Params`.

    Raises:
        InvalidArgumentError: A value that cannot be recorded, a config file that cannot be
            read or parsed, or a source of another kind.
    """
    if sources is None:
        return Params(tree={}, flat={})
    items: Sequence[Any] = sources if isinstance(sources, (list, tuple)) else [sources]
    tree: dict[str, Any] = {}
    configs: list[ConfigFile] = []
    for i, source in enumerate(items):
        if _is_path(source):
            config = load_config(source)
            configs.append(config)
            tree = _merge(tree, config.values)
            continue
        if not (
            isinstance(source, (Mapping, argparse.Namespace))
            or (dataclasses.is_dataclass(source) and not isinstance(source, type))
        ):
            where = f"params[{i}]" if len(items) > 1 or source is not sources else "params"
            raise InvalidArgumentError(
                f"{where} must be a dict, an argparse.Namespace, a dataclass instance or a "
                f"config file path, got {_type_name(source)}"
            )
        tree = _merge(tree, normalize(source, "params"))
    rule = Redaction.from_env() if redact is None else redact
    tree, hidden = rule.tree(tree)
    for i, config in enumerate(configs):
        values, more = rule.tree(config.values)
        configs[i], hidden = dataclasses.replace(config, values=values), hidden | more
    return Params(tree=tree, flat=flatten(tree), configs=tuple(configs), secret_values=hidden)
