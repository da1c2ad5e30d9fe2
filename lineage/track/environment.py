"""The execution environment: Python version, platform and installed packages, captured once.

Packages are read with ``importlib.metadata`` (no pip subprocess); names are normalized as in
PEP 503 and, when a distribution is installed twice on ``sys.path``, the first one (the one
``import`` would use) wins. The result is cached per process; its fingerprint is sha256 over
canonical JSON of everything captured, so equal environments give equal fingerprints and are
stored once, as one ``Environment`` artifact with external id ``env:<fingerprint>``.

Example:
    >>> env = capture_environment()
    >>> env.python_version.count(".")
    2
    >>> env.digest.startswith("sha256:")
    True
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Environment", "capture_environment", "clear_environment_cache"]

_NORMALIZE = re.compile(r"[-_.]+")
_lock = threading.Lock()
_cached: Environment | None = None


@dataclass(frozen=True)
class Environment:
    """A captured execution environment.

    Attributes:
        python_version: e.g. ``3.11.7``.
        python_implementation: e.g. ``CPython``.
        platform: ``platform.platform()``, e.g. ``Linux-6.1.0-x86_64-with-glibc2.36``.
        packages: Normalized distribution name → version, sorted by name.
        digest: ``sha256:<hex>`` over all of the above.
    """

    python_version: str
    python_implementation: str
    platform: str
    packages: Mapping[str, str]
    digest: str

    @property
    def external_id(self) -> str:
        """The Environment artifact's external id, ``env:<fingerprint>``."""
        return f"env:{self.digest}"


def _packages() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:  # a broken installation record must not stop the run
            continue
        if not name or version is None:
            continue
        found.setdefault(_NORMALIZE.sub("-", str(name)).lower(), str(version))
    return dict(sorted(found.items()))


def _digest(data: dict[str, object]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def capture_environment(*, refresh: bool = False) -> Environment:
    """The current environment (captured on first use, then cached for the process).

    Args:
        refresh: Capture again (after installing packages, for example).
    """
    global _cached
    with _lock:
        if _cached is not None and not refresh:
            return _cached
        packages = _packages()
        data: dict[str, object] = {
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "packages": packages,
        }
        _cached = Environment(
            python_version=platform.python_version(),
            python_implementation=platform.python_implementation(),
            platform=platform.platform(),
            packages=MappingProxyType(packages),
            digest=_digest(data),
        )
        return _cached


def clear_environment_cache() -> None:
    """Forget the cached environment (the next capture reads it again)."""
    global _cached
    with _lock:
        _cached = None
