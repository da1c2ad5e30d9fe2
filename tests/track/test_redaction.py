"""Secrets are redacted before a run writes anything: the name rule, URLs, commands, scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

import lineage
from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.track import Redaction
from lineage.track.lifecycle import Run
from lineage.track.params import collect_params
from lineage.track.redaction import MARKER, is_secret_name, name_words, redact_code
from lineage.track.source import CodeInfo, NotebookScript, strip_credentials
from tests.track.helpers import props

SECRET = "hunter2"
OFF = {"environment": False, "git": False}


# ------------------------------------------------------------------------------ the name rule
@pytest.mark.parametrize(
    "name",
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "credential",
        "credentials",
        "private_key",
        "db_password",
        "DB_PASSWORD",
        "--api-key",
        "apiKey",
        "HF_TOKEN",
        "HFToken",
        "hf_token",
        "auth_token",
        "access_token",
        "hub_token",
        "aws_secret_access_key",
        "clientSecret",
        "ssh_private_key",
        "X-Amz-Security-Token",
        "db.password",
        "password2",
    ],
)
def test_secret_names(name: str) -> None:
    assert Redaction().is_secret(name)
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "max_tokens",
        "num_tokens",
        "tokenizer_name",
        "tokenizer",
        "pad_token_id",
        "eos_token_ids",
        "token_type_ids",
        "pad_token",
        "password_file",
        "secret_name",
        "token_pattern",
        "api_key_env",
        "include_num_input_tokens_seen",
        "average_tokens_across_devices",
        "lr",
        "passage",
        "secretary_count",
    ],
)
def test_names_that_only_look_secret_are_kept(name: str) -> None:
    assert not Redaction().is_secret(name)


def test_names_are_cut_into_words() -> None:
    assert name_words("--db-password") == ("db", "password")
    assert name_words("awsSecretAccessKEY") == ("aws", "secret", "access", "key")
    assert name_words("HF_TOKEN2") == ("hf", "token", "2")


def test_a_listed_name_that_runs_into_a_kept_ending_stays_secret() -> None:
    rule = Redaction().adding("session_id")
    assert rule.is_secret("session_id")
    assert rule.is_secret("user_session_id")
    assert not Redaction().is_secret("session_id")


def test_the_names_can_be_added_to_or_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Redaction.from_value(["ssn"]).is_secret("patient_ssn")
    assert Redaction.from_value("ssn").is_secret("ssn")
    assert Redaction.from_value(["ssn"]).is_secret("password")  # added, not replaced
    replaced = Redaction(names=("ssn",))
    assert Redaction.from_value(replaced) is replaced
    assert replaced.is_secret("ssn")
    assert not replaced.is_secret("password")
    nothing = Redaction.from_value(False)
    assert not nothing.is_secret("password")
    assert nothing.tree({"password": "x", "url": "s3://u:p@h/b"})[0] == {
        "password": "x",
        "url": "s3://u:p@h/b",
    }
    monkeypatch.setenv("LINEAGE_REDACT", "ssn, iban")
    assert Redaction.from_value(None).is_secret("iban")
    assert Redaction.from_value(True).is_secret("user_ssn")
    assert is_secret_name("iban")
    monkeypatch.delenv("LINEAGE_REDACT")
    assert not is_secret_name("iban")


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (3, "redact must be"),
        (["ok", ""], "''"),
        (["--"], "'--'"),
        ([7], "7"),
    ],
)
def test_bad_redact_values_are_refused(value: Any, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        Redaction.from_value(value)


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_REDACT", "ok,-")
    with pytest.raises(InvalidArgumentError, match=r"\$LINEAGE_REDACT"):
        Redaction.from_env()


def test_bad_redaction_fields_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="names must be a list"):
        Redaction(names="password")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="keep"):
        Redaction(keep=("id", "!"))
    with pytest.raises(InvalidArgumentError, match="urls must be True or False"):
        Redaction(urls="no")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ values
def test_trees_are_redacted_at_any_depth() -> None:
    tree = {
        "lr": 0.1,
        "db_password": SECRET,
        "service": {"hf_token": SECRET, "max_tokens": 512, "use_auth_token": True},
        "credentials": {"user": "bob", "key": SECRET, "port": 5432, "extra": [SECRET, None]},
        "api_key": "",
        "pin": 1234,
        "tokens": [SECRET],  # 'tokens' is not a secret name (max_tokens, num_tokens)
    }
    out, hidden = Redaction().adding("pin").tree(tree)
    assert out == {
        "lr": 0.1,
        "db_password": MARKER,
        "service": {"hf_token": MARKER, "max_tokens": 512, "use_auth_token": True},
        "credentials": {"user": MARKER, "key": MARKER, "port": MARKER, "extra": [MARKER, None]},
        "api_key": "",
        "pin": MARKER,
        "tokens": [SECRET],
    }
    assert hidden == {SECRET}


def test_url_passwords_and_secret_query_values_are_redacted() -> None:
    rule = Redaction()
    out, hidden = rule.tree(
        {
            "db": f"postgresql://app:{SECRET}@db:5432/prod",
            "repo": "ssh://git@github.com/o/r.git",
            "signed": f"https://h/o.csv?X-Amz-Security-Token={SECRET}&x=1",
            "text": f"see mysql://root:{SECRET}@127.0.0.1/test for details",
        }
    )
    assert out == {
        "db": f"postgresql://app:{MARKER}@db:5432/prod",
        "repo": "ssh://git@github.com/o/r.git",  # a user name alone is not a secret
        "signed": f"https://h/o.csv?X-Amz-Security-Token={MARKER}&x=1",
        "text": f"see mysql://root:{MARKER}@127.0.0.1/test for details",
    }
    assert hidden == {SECRET}
    assert rule.text(f"login failed: {SECRET}", hidden) == f"login failed: {MARKER}"


def test_strip_credentials_keeps_its_behaviour_and_takes_a_marker() -> None:
    url = f"https://bob:{SECRET}@example.com/r.git?x=1"
    assert strip_credentials(url) == "https://example.com/r.git?x=1"
    assert strip_credentials(url, query=False) == "https://example.com/r.git"
    assert strip_credentials(url, marker=MARKER) == f"https://bob:{MARKER}@example.com/r.git?x=1"
    assert (
        strip_credentials("https://bob@example.com/", marker=MARKER) == "https://bob@example.com/"
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (f"train.py --password {SECRET}", f"train.py --password '{MARKER}'"),
        (f"train.py --password={SECRET}", f"train.py '--password={MARKER}'"),
        (f"train.py --api-key {SECRET} --lr 0.1", f"train.py --api-key '{MARKER}' --lr 0.1"),
        (f"train.py --token -x{SECRET}", f"train.py --token '{MARKER}'"),  # a short-looking value
        ("train.py --hf-token --lr 0.1", "train.py --hf-token --lr 0.1"),  # no value to hide
        ("train.py --password= --lr 0.1", "train.py --password= --lr 0.1"),
        (f"HF_TOKEN={SECRET} python t.py", f"'HF_TOKEN={MARKER}' python t.py"),
        (f"t.py +db.password={SECRET} lr=0.1", f"t.py '+db.password={MARKER}' lr=0.1"),
        (f"t.py -- --password {SECRET}", f"t.py -- --password {SECRET}"),  # positionals
        (f"t.py --db mysql://u:{SECRET}@h/d", f"t.py --db 'mysql://u:{MARKER}@h/d'"),
        ("t.py --max-tokens 512 --tokenizer-name b", "t.py --max-tokens 512 --tokenizer-name b"),
        (f"t.py --token {SECRET} | tee 'a b.log'", f"t.py --token '{MARKER}' | tee 'a b.log'"),
        (f"t.py --token '{SECRET} x' -v", f"t.py --token '{MARKER}' -v"),
    ],
)
def test_command_lines(command: str, expected: str) -> None:
    assert Redaction().command(command) == expected


def test_known_values_are_redacted_wherever_they_appear_in_a_command() -> None:
    command = f"t.py -p {SECRET} -p{SECRET} --pw={SECRET} --seed 7"
    assert Redaction().command(command, {SECRET, "7"}) == (
        f"t.py -p '{MARKER}' '-p{MARKER}' '--pw={MARKER}' --seed 7"  # '7' is too short
    )


def test_notebook_scripts() -> None:
    script = "\n".join(
        [
            "# %%",
            f'HF_TOKEN = "{SECRET}"',
            'tokenizer_name = "bert-base"',
            'pad_token = "[PAD]"',
            f'login(token="{SECRET}x")',
            f'os.environ["OPENAI_API_KEY"] = "sk-{SECRET}"',
            f'cfg = {{"db_password": "{SECRET}3", "lr": 0.1}}',
            f'api_key: str = "typed-{SECRET}"',
            'if token == "abcd":',
            "    pass",
            "",
            "# %%",
            f"# !python train.py --password={SECRET}4 --lr 0.1",
            f"!python train.py --password {SECRET}5",
            f"# %env HF_TOKEN={SECRET}6",
            f"%env WANDB_API_KEY {SECRET}7",
            f'db = "postgresql://app:{SECRET}8@db/prod"',
            f'print("{SECRET}")',
            "",
            '# %% language="bash"',
            f"# python train.py --token {SECRET}9",
            "",
            "# %%",
            "x = 1",
        ]
    )
    out = Redaction().script(script)
    assert SECRET not in out
    assert 'tokenizer_name = "bert-base"' in out
    assert 'pad_token = "[PAD]"' in out
    assert 'if token == "abcd":' in out
    assert f'HF_TOKEN = "{MARKER}"' in out
    assert f'os.environ["OPENAI_API_KEY"] = "{MARKER}"' in out
    assert f"# !python train.py '--password={MARKER}' --lr 0.1" in out
    assert f"%env WANDB_API_KEY {MARKER}" in out
    assert f"# python train.py --token '{MARKER}'" in out
    assert out.splitlines()[-1] == "x = 1"
    assert out.count("# %%") == 4


def test_redact_code_covers_the_command_and_the_notebook_script() -> None:
    code = CodeInfo(
        command=f"python t.py -p {SECRET}",
        notebook_script=NotebookScript(script=f"# %%\nprint('{SECRET}')\n", generator="lineage"),
        entry_point="t.ipynb",
    )
    out = redact_code(code, Redaction(), {SECRET})
    assert out.command == f"python t.py -p '{MARKER}'"
    assert out.notebook_script is not None
    assert out.notebook_script.script == f"# %%\nprint('{MARKER}')\n"
    assert out.entry_point == "t.ipynb"
    assert redact_code(CodeInfo(), Redaction()) == CodeInfo()


def test_collect_params_redacts_by_default_and_keeps_secrets_out_of_repr(
    write: Callable[..., Path],
) -> None:
    config = write("cfg.yaml", f"credentials:\n  key: {SECRET}\nmax_tokens: 512\n")
    params = collect_params([config, argparse.Namespace(password=SECRET)])
    assert params.flat == {"credentials.key": MARKER, "max_tokens": 512, "password": MARKER}
    assert params.configs[0].values == {"credentials": {"key": MARKER}, "max_tokens": 512}
    assert params.secret_values == {SECRET}
    assert SECRET not in repr(params)
    assert collect_params({"password": SECRET}, redact=Redaction.none()).flat == {
        "password": SECRET
    }


def test_the_transformers_integration_uses_the_shared_rule() -> None:
    from lineage.integrations.transformers import safe_params

    got = safe_params({"hub_token": "x", "max_tokens": 5, "tokenizer_name": "b", "lr": 0.1})
    assert got == {"max_tokens": 5, "tokenizer_name": "b", "lr": 0.1}


# ------------------------------------------------------------------------------ runs
@dataclass
class Database:
    host: str
    db_password: str


def _texts(store: Any) -> list[bytes]:
    """Every artifact, execution and context of the store, serialized (all property values)."""
    nodes = [*store.get_artifacts(), *store.get_executions(), *store.get_contexts()]
    return [n.SerializeToString() for n in nodes]


def test_a_run_writes_no_secret(
    store: Any, write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = write("train.py", "print('train')\n")
    argv = [str(script), "--password", SECRET, "--api-key=" + SECRET, "-t", SECRET, "--lr", "0.1"]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "orig_argv", ["python", *argv])
    monkeypatch.setenv("HF_TOKEN", SECRET)
    parser = argparse.ArgumentParser()
    for flag in ("--password", "--api-key"):
        parser.add_argument(flag)
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("--lr", type=float)
    args = parser.parse_args(argv[1:])
    config = write("cfg.yaml", f"credentials:\n  user: bob\n  key: {SECRET}\nmax_tokens: 512\n")
    nested = {"service": {"hf_token": SECRET, "tokenizer_name": "bert", "num_tokens": 7}}
    sources = [args, config, nested, Database("db", SECRET)]
    with lineage.run("train", params=sources, store=store, capture={"git": False}) as run:
        run.log_params({"late": {"access_token": SECRET}})
    assert not [t for t in _texts(store) if SECRET.encode() in t]
    p = props(store.get_executions_by_id([run.id])[0])
    for key in ("password", "api_key", "auth_token", "db_password", "late.access_token"):
        assert p[cv.PARAM_PREFIX + key] == MARKER, key
    assert p["param.service.hf_token"] == MARKER
    assert p["param.credentials.key"] == MARKER
    assert p["param.lr"] == 0.1
    assert p["param.max_tokens"] == 512
    assert p["param.service.tokenizer_name"] == "bert"
    assert p["param.service.num_tokens"] == 7
    command = p[cv.CODE_COMMAND]
    assert f"--password '{MARKER}'" in command
    assert f"'--api-key={MARKER}'" in command
    assert f"-t '{MARKER}'" in command  # the short option, redacted by its value
    assert command.endswith("--lr 0.1")
    config_artifact = next(a for a in store.get_artifacts() if a.uri == str(config))
    assert props(config_artifact)["values"]["credentials"]["key"] == MARKER


def test_a_failed_run_records_its_error_without_the_secret(store: Any) -> None:
    url = f"postgresql://app:{SECRET}@db/prod"
    with (
        pytest.raises(RuntimeError),
        lineage.run("load", params={"dsn": url, "password": SECRET}, store=store, capture=OFF),
    ):
        raise RuntimeError(f"cannot connect to {url} as app/{SECRET}")
    p = props(store.get_executions()[0])
    assert p[cv.RUN_ERROR_MESSAGE] == (
        f"cannot connect to postgresql://app:{MARKER}@db/prod as app/{MARKER}"
    )
    assert p["param.dsn"] == f"postgresql://app:{MARKER}@db/prod"
    assert not [t for t in _texts(store) if SECRET.encode() in t]


def test_a_given_command_is_redacted(store: Any) -> None:
    run = Run("stage", store=store, capture=OFF, command=f"python t.py --token {SECRET}")
    with run:
        pass
    assert props(store.get_executions()[0])[cv.CODE_COMMAND] == f"python t.py --token '{MARKER}'"


def test_redact_adds_names_per_run_and_false_records_as_given(store: Any) -> None:
    values = {"ssn": "123-45-6789", "password": SECRET}
    with lineage.run("a", params=values, store=store, capture=OFF, redact=["ssn"]) as first:
        pass
    with lineage.run("b", params=values, store=store, capture=OFF, redact=False) as second:
        pass
    with lineage.run(
        "c", params=values, store=store, capture=OFF, redact=Redaction(names=("ssn",))
    ) as third:
        pass
    got = {
        e.id: {k: v for k, v in props(e).items() if k.startswith(cv.PARAM_PREFIX)}
        for e in store.get_executions()
    }
    assert got[first.id] == {"param.ssn": MARKER, "param.password": MARKER}
    assert got[second.id] == {"param.ssn": "123-45-6789", "param.password": SECRET}
    assert got[third.id] == {"param.ssn": MARKER, "param.password": SECRET}


def test_the_environment_variable_adds_names(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_REDACT", "ssn")
    with lineage.run("a", params={"ssn": "123-45-6789"}, store=store, capture=OFF):
        pass
    assert props(store.get_executions()[0])["param.ssn"] == MARKER


def test_a_bad_redact_value_is_refused_before_anything_is_written(store: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="redact"):
        lineage.run("a", store=store, capture=OFF, redact=42)
    assert store.get_executions() == []


def test_components_redact_their_arguments(store: Any) -> None:
    @lineage.component(store=store, capture=OFF, redact=["ssn"])
    def fetch(url: str, api_key: str, ssn: str, max_tokens: int = 5) -> None:
        pass

    fetch(f"https://u:{SECRET}@h/data", SECRET, "123-45-6789")
    p = props(store.get_executions()[0])
    assert p["param.url"] == f"https://u:{MARKER}@h/data"
    assert (p["param.api_key"], p["param.ssn"], p["param.max_tokens"]) == (MARKER, MARKER, 5)


def test_environment_variables_are_not_recorded(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:{SECRET}@db/prod")
    with lineage.run("env", store=store, capture={"git": False}):
        pass
    assert [a.type for a in store.get_artifacts()] == [cv.ENVIRONMENT_TYPE]
    assert not [t for t in _texts(store) if SECRET.encode() in t]


def test_a_notebook_run_records_its_script_redacted(store: Any, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(f'HF_TOKEN = "{SECRET}"'),
        nbformat.v4.new_code_cell(f"!python train.py --password {SECRET}x"),
        nbformat.v4.new_code_cell("lr = 0.1"),
    ]
    path = tmp_path / "train.ipynb"
    nbformat.write(notebook, path)
    with lineage.run("train", store=store, capture=OFF, entry_point=path):
        pass
    script = props(store.get_executions()[0])[cv.CODE_NOTEBOOK_SCRIPT]["script"]
    assert SECRET not in script
    assert f'HF_TOKEN = "{MARKER}"' in script
    assert "lr = 0.1" in script
