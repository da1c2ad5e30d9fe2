"""Metrics: final values, step series, thinning and bad values."""

from __future__ import annotations

from array import array

import pytest

from lineage.errors import InvalidArgumentError
from lineage.track.metrics import MetricLog, check_name, thin


def test_the_last_value_is_final_and_steps_make_a_series() -> None:
    log = MetricLog()
    log.log("auc", 0.5)
    log.log("auc", 0.7)
    log.log("loss", 1.0, step=10)
    log.log("loss", 0.5, step=20)
    log.log("loss", 0.25)
    log.log_many({"acc": 1, "f1": 0.5})
    assert log.final() == {"auc": 0.7, "loss": 0.25, "acc": 1.0, "f1": 0.5}
    series = log.series()
    assert set(series) == {"auc", "loss"}
    assert (series["auc"].steps, series["auc"].values) == ((0, 1), (0.5, 0.7))
    assert (series["loss"].steps, series["loss"].values) == ((10, 20, 21), (1.0, 0.5, 0.25))
    assert len(series["loss"]) == 3
    assert bool(log)
    assert not MetricLog()


def test_long_series_are_thinned_evenly_keeping_the_ends() -> None:
    steps = array("q", range(100_001))
    values = array("d", (float(i) for i in range(100_001)))
    thinned = thin(steps, values, limit=1000)
    assert len(thinned) == 1000
    assert thinned.steps[0] == 0
    assert thinned.steps[-1] == 100_000
    gaps = {b - a for a, b in zip(thinned.steps, thinned.steps[1:], strict=False)}
    assert gaps <= {100, 101}
    assert thin(steps[:5], values[:5], limit=10).steps == (0, 1, 2, 3, 4)
    assert thin(steps, values, limit=1).steps == (100_000,)


@pytest.mark.parametrize(
    ("name", "value", "step", "message"),
    [
        ("", 1.0, None, "non-empty string"),
        ("a`b", 1.0, None, "backquotes"),
        (" pad", 1.0, None, "surrounding spaces"),
        ("series.x", 1.0, None, "reserved"),
        ("x" * 300, 1.0, None, "characters long"),
        ("auc", "0.9", None, "must be a number"),
        ("auc", True, None, "must be a number"),
        ("auc", 0.9, 1.5, "must be an integer"),
    ],
)
def test_bad_metrics_are_refused(name: str, value: object, step: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        MetricLog().log(name, value, step)


def test_log_many_checks_everything_first() -> None:
    log = MetricLog()
    with pytest.raises(InvalidArgumentError):
        log.log_many({"good": 1.0, "bad": "x"})
    assert log.final() == {}
    with pytest.raises(InvalidArgumentError, match="mapping"):
        log.log_many([("a", 1.0)])  # type: ignore[arg-type]


def test_tag_names_follow_the_same_rules() -> None:
    assert check_name("series.ok", "tag") == "series.ok"
    with pytest.raises(InvalidArgumentError, match="tag name"):
        check_name("", "tag")
