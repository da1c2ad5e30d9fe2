"""Schema migrations between MLMD schema versions: numbered steps with upgrade and downgrade.

Step module ``vNN`` migrates version N-1 to N (``upgrade``) and back (``downgrade``); it also has
``setup_previous`` (rows written into version N-1 by the tests) and ``verify`` (those rows after
the upgrade). :func:`upgrade` and :func:`downgrade` run the steps one at a time, each in its own
transaction together with the ``MLMDEnv`` update, under the same lock that guards schema creation,
and re-read the version first, so concurrent openers and re-runs are safe.

SQLite and PostgreSQL DDL is transactional: a step is all or nothing. MySQL/MariaDB commits DDL
implicitly, so a step interrupted there can leave part of its DDL applied with the old version
still recorded; every step checks the catalog before each change, so running the upgrade again
completes it. See docs/migrations.md.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol, cast

from lineage.errors import InternalError, InvalidArgumentError
from lineage.store._backend import Backend, Tx
from lineage.store._open import _init_lock, current_version
from lineage.store._schema import SCHEMA_VERSION
from lineage.store.migrations import v01, v02, v03, v04, v05, v06, v07, v08, v09, v10
from lineage.store.migrations._ops import execute, q

__all__ = ["STEPS", "Step", "downgrade", "set_version", "upgrade"]


class Step(Protocol):
    """What a step module provides."""

    VERSION: int
    SUMMARY: str

    def upgrade(self, tx: Tx) -> None:
        """Migrate VERSION-1 to VERSION (the caller records the version)."""

    def downgrade(self, tx: Tx) -> None:
        """Migrate VERSION back to VERSION-1 (the caller records the version)."""

    def setup_previous(self, tx: Tx) -> None:
        """Write representative rows into a VERSION-1 database (tests)."""

    def verify(self, tx: Tx) -> None:
        """Check the rows of ``setup_previous`` after the upgrade; raise AssertionError."""


def _steps(modules: tuple[ModuleType, ...]) -> dict[int, Step]:
    out: dict[int, Step] = {}
    for module in modules:
        step = cast(Step, module)
        out[step.VERSION] = step
    if sorted(out) != list(range(1, SCHEMA_VERSION + 1)):
        raise InternalError(f"migration steps are not 1..{SCHEMA_VERSION}: {sorted(out)}")
    return out


#: Schema version N to the step that migrates N-1 to N.
STEPS: dict[int, Step] = _steps((v01, v02, v03, v04, v05, v06, v07, v08, v09, v10))


def set_version(tx: Tx, version: int) -> None:
    """Record ``version`` as the only row of MLMDEnv."""
    table = q(tx, "MLMDEnv")
    execute(tx, f"DELETE FROM {table}")
    execute(tx, f"INSERT INTO {table} (schema_version) VALUES (:v)", {"v": version})


def _check_range(from_version: int, to_version: int) -> None:
    for v in (from_version, to_version):
        if not 0 <= v <= SCHEMA_VERSION:
            raise InvalidArgumentError(
                f"schema version {v} is outside 0..{SCHEMA_VERSION}, the versions lineage knows"
            )


def upgrade(backend: Backend, from_version: int, to_version: int = SCHEMA_VERSION) -> None:
    """Upgrade the database from ``from_version`` to ``to_version`` one step at a time.

    Each step runs in its own transaction with the MLMDEnv update. A step whose version the
    database already has (another process got there first) is skipped.

    Args:
        backend: The database.
        from_version: The version the caller found.
        to_version: The version to reach (default: the library's).

    Raises:
        InvalidArgumentError: A version outside 0..10, or ``to_version < from_version``.
        InternalError: The database changed version under us in an unexpected way.
    """
    _check_range(from_version, to_version)
    if to_version < from_version:
        raise InvalidArgumentError(
            f"cannot upgrade from schema version {from_version} to older {to_version}"
        )
    for version in range(from_version + 1, to_version + 1):
        with _init_lock(backend) as tx:
            current = current_version(tx)
            if current is not None and current >= version:
                continue
            if current != version - 1:
                raise InternalError(
                    f"expected schema version {version - 1} before upgrade step {version}, "
                    f"found {current}"
                )
            STEPS[version].upgrade(tx)
            set_version(tx, version)


def downgrade(backend: Backend, from_version: int, to_version: int) -> None:
    """Downgrade the database from ``from_version`` to ``to_version`` one step at a time.

    Going to version 0 drops MLMDEnv, as ml-metadata does. Data that an older schema cannot hold
    is lost (see each step).

    Args:
        backend: The database.
        from_version: The version the caller found.
        to_version: The version to reach.

    Raises:
        InvalidArgumentError: A version outside 0..10, or ``to_version > from_version``.
        InternalError: The database changed version under us in an unexpected way.
    """
    _check_range(from_version, to_version)
    if to_version > from_version:
        raise InvalidArgumentError(
            f"cannot downgrade from schema version {from_version} to newer {to_version}"
        )
    for version in range(from_version, to_version, -1):
        with _init_lock(backend) as tx:
            current = current_version(tx)
            if current is not None and current < version:
                continue
            if current != version:
                raise InternalError(
                    f"expected schema version {version} before downgrade step {version}, "
                    f"found {current}"
                )
            STEPS[version].downgrade(tx)
            if version - 1 >= 1:
                set_version(tx, version - 1)
