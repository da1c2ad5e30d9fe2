"""Capture switches: defaults, per-run values and LINEAGE_NO_CAPTURE."""

from __future__ import annotations

import pytest

from lineage.errors import InvalidArgumentError
from lineage.track import Capture


def test_everything_is_on_by_default() -> None:
    assert Capture.from_value(None).on() == Capture.names()
    assert Capture.from_value(False).on() == ()


def test_a_mapping_turns_single_captures_off() -> None:
    capture = Capture.from_value({"git": False, "environment": False})
    assert not capture.git
    assert not capture.environment
    assert capture.params


def test_the_environment_variable_turns_captures_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_NO_CAPTURE", "user, host")
    capture = Capture.from_value(None)
    assert not capture.user
    assert not capture.host
    assert capture.git
    assert not Capture.from_value({"git": False}).user
    monkeypatch.setenv("LINEAGE_NO_CAPTURE", "all")
    assert Capture.from_value(None).on() == ()
    monkeypatch.setenv("LINEAGE_NO_CAPTURE", "gti")
    with pytest.raises(InvalidArgumentError, match=r"\$LINEAGE_NO_CAPTURE: unknown capture 'gti'"):
        Capture.from_value(None)


@pytest.mark.parametrize("value", [{"gti": False}, {"git": "no"}, "git", 3])
def test_bad_capture_values_are_refused(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="capture"):
        Capture.from_value(value)
