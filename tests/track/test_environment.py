"""Environment capture: packages from importlib.metadata, cached, fingerprinted."""

from __future__ import annotations

import importlib.metadata
import platform

import pytest

from lineage.track import environment
from lineage.track.environment import capture_environment, clear_environment_cache


def test_the_environment_lists_python_platform_and_packages() -> None:
    env = capture_environment()
    assert env.python_version == platform.python_version()
    assert env.python_implementation == platform.python_implementation()
    assert env.platform == platform.platform()
    assert env.packages["protobuf"] == importlib.metadata.version("protobuf")
    assert env.packages["scikit-learn"] == importlib.metadata.version("scikit-learn")
    assert list(env.packages) == sorted(env.packages)
    assert env.digest.startswith("sha256:")
    assert env.external_id == f"env:{env.digest}"


def test_it_is_captured_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    first = capture_environment()
    calls: list[int] = []
    monkeypatch.setattr(environment, "_packages", lambda: calls.append(1) or {"a": "1"})
    assert capture_environment() is first
    assert calls == []
    refreshed = capture_environment(refresh=True)
    assert calls == [1]
    assert refreshed.packages == {"a": "1"}
    assert refreshed.digest != first.digest
    clear_environment_cache()
    monkeypatch.undo()
    assert capture_environment().digest == first.digest
