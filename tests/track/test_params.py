"""Parameters: sources, normalization, flattening, config files and their errors."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lineage.errors import InvalidArgumentError
from lineage.track.hashing import hash_bytes
from lineage.track.params import collect_params, flatten, load_config, normalize


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Optim:
    lr: float = 0.1
    betas: tuple[float, float] = (0.9, 0.99)


def test_dicts_namespaces_and_dataclasses_merge_in_order() -> None:
    params = collect_params(
        [
            {"optimizer": {"lr": 0.1, "name": "adam"}, "epochs": 3},
            argparse.Namespace(epochs=5, seed=None),
            {"optimizer": {"lr": 0.01}},
        ]
    )
    assert params.tree == {
        "optimizer": {"lr": 0.01, "name": "adam"},
        "epochs": 5,
        "seed": None,
    }
    assert params.flat == {
        "optimizer.lr": 0.01,
        "optimizer.name": "adam",
        "epochs": 5,
        "seed": "null",
    }
    assert collect_params(Optim()).flat == {"lr": 0.1, "betas": "[0.9, 0.99]"}
    assert collect_params(None).flat == {}


def test_values_are_normalized_to_json_kinds() -> None:
    tree = normalize(
        {
            "n": np.int64(3),
            "x": np.float32(0.5),
            "when": dt.date(2026, 1, 2),
            "color": Color.RED,
            "path": Path("/data/x"),
            "flag": True,
            1: "int key",
            "nan": math.nan,
        }
    )
    assert tree["n"] == 3
    assert type(tree["n"]) is int
    assert tree["x"] == 0.5
    assert type(tree["x"]) is float
    assert (tree["when"], tree["color"], tree["path"]) == ("2026-01-02", "red", "/data/x")
    assert tree["flag"] is True
    assert tree["1"] == "int key"
    assert math.isnan(tree["nan"])


def test_empty_mappings_lists_and_none_are_json_text() -> None:
    assert flatten({"a": {}, "b": [1, {"c": 2}], "d": None}) == {
        "a": "{}",
        "b": '[1, {"c": 2}]',
        "d": "null",
    }


def test_an_unserializable_value_is_an_error_naming_its_path() -> None:
    with pytest.raises(InvalidArgumentError, match=r"parameter 'model\.fn' cannot be recorded"):
        collect_params({"model": {"fn": lambda x: x}})
    with pytest.raises(InvalidArgumentError, match=r"parameter 'layers\[1\]' cannot be"):
        collect_params({"layers": [1, object()]})


def test_keys_must_be_strings() -> None:
    with pytest.raises(InvalidArgumentError, match="key of type tuple"):
        collect_params({(1, 2): "x"})


def test_colliding_paths_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="'a.b' is given twice"):
        collect_params({"a.b": 1, "a": {"b": 2}})


def test_overlong_paths_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="characters long"):
        collect_params({"x" * 300: 1})


@pytest.mark.parametrize("source", [3, "not a config", ["a.yaml", 4]])
def test_sources_of_another_kind_are_refused(source: object, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    if isinstance(source, list):
        source = [str(tmp_path / "a.yaml"), 4]
    with pytest.raises(InvalidArgumentError):
        collect_params(source)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("c.yaml", "optimizer:\n  lr: 0.1\nlayers: [64, 32]\n"),
        ("c.yml", "optimizer: {lr: 0.1}\nlayers: [64, 32]\n"),
        ("c.toml", "layers = [64, 32]\n[optimizer]\nlr = 0.1\n"),
        ("c.json", json.dumps({"optimizer": {"lr": 0.1}, "layers": [64, 32]})),
    ],
)
def test_config_files_are_hashed_and_parsed(
    write: Callable[..., Path], name: str, text: str
) -> None:
    path = write(name, text)
    config = load_config(path)
    assert config.values == {"optimizer": {"lr": 0.1}, "layers": [64, 32]}
    assert config.digest == hash_bytes(text.encode())
    assert (config.path, config.size_bytes) == (str(path), len(text.encode()))
    params = collect_params([path, {"epochs": 2}])
    assert params.flat == {"optimizer.lr": 0.1, "layers": "[64, 32]", "epochs": 2}
    assert [c.path for c in params.configs] == [str(path)]


def test_an_empty_yaml_file_holds_no_parameters(write: Callable[..., Path]) -> None:
    assert load_config(write("empty.yaml", "")).values == {}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "a: [1, 2\n", "is not valid YAML"),
        ("bad.toml", "a = \n", "is not valid TOML"),
        ("bad.json", "{a: 1}", "is not valid JSON"),
        ("list.yaml", "- 1\n- 2\n", "must hold a mapping"),
        ("bad.ini", "[a]\n", "unknown kind"),
        ("latin.json", b'{"a": "\xe9"}', "is not valid JSON"),
    ],
)
def test_a_config_file_that_does_not_parse_is_an_error_naming_it(
    write: Callable[..., Path], name: str, text: str | bytes, message: str
) -> None:
    path = write(name, text)
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        collect_params(path)
    assert str(path) in str(caught.value)


def test_a_missing_or_unreadable_config_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"config file '.*missing\.yaml' does not"):
        collect_params(tmp_path / "missing.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(InvalidArgumentError, match=r"config file '.*dir\.yaml' cannot be read"):
        collect_params(tmp_path / "dir.yaml")
