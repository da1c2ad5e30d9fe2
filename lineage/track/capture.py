"""Which details a run captures automatically: every switch on unless turned off.

Turn captures off per run (``lineage.run(..., capture=Capture(environment=False))`` or
``capture={"environment": False}``), or for a whole process with the environment variable
``LINEAGE_NO_CAPTURE`` (comma-separated switch names, e.g. ``LINEAGE_NO_CAPTURE=user,host``);
``LINEAGE_NO_CAPTURE=all`` turns everything off.

Example:
    >>> Capture.from_value({"git": False}).git
    False
    >>> sorted(Capture.none().on())
    []
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lineage.errors import InvalidArgumentError

__all__ = ["ENV_VAR", "Capture"]

#: Environment variable listing captures to turn off in this process.
ENV_VAR: Final = "LINEAGE_NO_CAPTURE"

# Read once per class (every run reads them): switch names, and the captures
# $LINEAGE_NO_CAPTURE leaves on, per value of the variable (Capture is immutable).
_names: dict[type, tuple[str, ...]] = {}
_from_env: dict[tuple[type, str], Capture] = {}


@dataclass(frozen=True)
class Capture:
    """The automatic captures of a run.

    Attributes:
        git: Repository URL, commit, branch, dirty flag and the hash of the uncommitted diff.
        entry_point: The script or notebook path and its content hash (notebook: code cells).
        command: The command line.
        params: The parameters (and config files) passed to the run.
        environment: Python version, platform and installed packages (an Environment artifact).
        fingerprints: Content hashes of inputs and outputs (off: paths are recorded, unhashed).
        metrics: Logged metrics (off: ``log_metric`` records nothing).
        user: The user name.
        host: The host name.
    """

    git: bool = True
    entry_point: bool = True
    command: bool = True
    params: bool = True
    environment: bool = True
    fingerprints: bool = True
    metrics: bool = True
    user: bool = True
    host: bool = True

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The switch names."""
        found = _names.get(cls)
        if found is None:
            found = _names[cls] = tuple(f.name for f in dataclasses.fields(cls))
        return found

    @classmethod
    def none(cls) -> Capture:
        """Every capture off."""
        return cls(**dict.fromkeys(cls.names(), False))

    def on(self) -> tuple[str, ...]:
        """The names of the captures that are on."""
        return tuple(name for name in self.names() if getattr(self, name))

    def without(self, names: str | list[str] | tuple[str, ...]) -> Capture:
        """A copy with the named captures off (``"all"`` turns everything off).

        Raises:
            InvalidArgumentError: An unknown name.
        """
        items = [names] if isinstance(names, str) else list(names)
        off: dict[str, bool] = {}
        for raw in items:
            name = raw.strip().lower()
            if not name:
                continue
            if name == "all":
                return Capture.none()
            if name not in self.names():
                raise InvalidArgumentError(
                    f"unknown capture {raw!r}; known: {', '.join(self.names())}, all"
                )
            off[name] = False
        return dataclasses.replace(self, **off)

    @classmethod
    def from_env(cls) -> Capture:
        """The default captures, less those ``$LINEAGE_NO_CAPTURE`` turns off.

        Raises:
            InvalidArgumentError: The variable names an unknown capture.
        """
        text = os.environ.get(ENV_VAR, "")
        found = _from_env.get((cls, text))
        if found is not None:
            return found
        try:
            found = cls().without(text.split(","))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"${ENV_VAR}: {exc}") from exc
        if len(_from_env) < 64:
            _from_env[(cls, text)] = found
        return found

    @classmethod
    def from_value(cls, value: Any) -> Capture:
        """Read ``capture=``: None (defaults and ``$LINEAGE_NO_CAPTURE``), a Capture, a mapping
        of switch name → bool, or False (everything off).

        Raises:
            InvalidArgumentError: Another kind of value, an unknown name or a non-bool switch.
        """
        if value is None or value is True:
            return cls.from_env()
        if value is False:
            return cls.none()
        if isinstance(value, Capture):
            return value
        if isinstance(value, Mapping):
            base = cls.from_env()
            updates: dict[str, bool] = {}
            for name, on in value.items():
                if name not in cls.names():
                    raise InvalidArgumentError(
                        f"unknown capture {name!r}; known: {', '.join(cls.names())}"
                    )
                if not isinstance(on, bool):
                    raise InvalidArgumentError(
                        f"capture {name!r} must be True or False, got {on!r}"
                    )
                updates[name] = on
            return dataclasses.replace(base, **updates)
        raise InvalidArgumentError(
            f"capture must be a Capture, a mapping of switch name to bool, or a bool, got "
            f"{type(value).__name__}"
        )
