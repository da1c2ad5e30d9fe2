"""Secrets kept out of what a run records: parameters, command lines, notebook scripts and URLs.

A run replaces secret values with :data:`MARKER` (``<redacted>``) before anything is written, so
they reach neither the database nor what shows it (``lineage runs show``, ``runs compare``, the
audit dossier, rendered graphs, the web UI). Three rules decide what is secret:

* **Names.** A parameter (at any depth of the tree), a command-line option (``--db-password x``,
  ``--api-key=x``), a ``NAME=value`` argument (``HF_TOKEN=x``, Hydra's ``db.password=x``) or a
  URL query parameter (``?token=x``) is secret when its name holds one of :attr:`Redaction.names`
  as whole words. A name is cut into words at every character that is not a letter or a digit
  and at camelCase humps, then lowercased: ``db_password`` → ``db password``, ``--api-key`` →
  ``api key``, ``HFToken`` → ``hf token``, ``aws_secret_access_key`` → ``aws secret access
  key``. Whole words only: ``max_tokens``, ``num_tokens`` and ``tokenizer_name`` hold
  ``tokens`` and ``tokenizer``, not ``token``, so they are kept. A name that *ends* with one of
  :attr:`Redaction.keep` describes a secret rather than holding one, and is kept too:
  ``pad_token_id``, ``token_type_ids``, ``token_pattern``, ``password_file``, ``secret_name``,
  and the tokenizer's special tokens ``pad_token``, ``eos_token``, ... (unless the listed name
  itself runs into that ending: with ``session_id`` listed, ``session_id`` is secret).
* **URLs.** Wherever a value or an argument holds a URL, its password is replaced
  (``postgresql://app:<redacted>@db/prod``; the user name is kept) and so are the values of
  its query parameters with secret names (``?X-Amz-Security-Token=<redacted>``).
* **Known values.** A redacted parameter's text (of at least :data:`MIN_VALUE_LENGTH`
  characters) is also replaced wherever else the run records it: on the command line (where
  ``-p hunter2`` is the short form of ``--password``), in the error message of a failed run and
  in a notebook's script.

On a command line, the word after a secret option that has no ``=`` is its value, unless it is
another long option (``--next``): a value that looks like a short option (``--token -x9``) is
redacted too. Booleans, None and empty strings are kept (they hold no secret); numbers and
strings under a secret name are replaced, and a secret mapping or list has each value replaced.

The names are configurable: ``lineage.run(..., redact=["ssn"])`` adds names to the defaults,
``redact=Redaction(names=("password", "ssn"))`` replaces them, ``redact=False`` records
everything as given, and ``LINEAGE_REDACT=ssn,iban`` adds names for a whole process.

Example:
    >>> rule = Redaction.from_env()
    >>> [rule.is_secret(n) for n in ("db_password", "--api-key", "HF_TOKEN", "max_tokens")]
    [True, True, True, False]
    >>> rule.tree({"lr": 0.1, "db": {"password": "hunter2", "url": "mysql://u:pw@h/db"}})[0]
    {'lr': 0.1, 'db': {'password': '<redacted>', 'url': 'mysql://u:<redacted>@h/db'}}
    >>> rule.command("python train.py --password hunter2 --lr=0.1 -p hunter2", {"hunter2"})
    "python train.py --password '<redacted>' --lr=0.1 -p '<redacted>'"
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

from lineage.errors import InvalidArgumentError
from lineage.track.source import CodeInfo, NotebookScript, strip_credentials

__all__ = [
    "DEFAULT_NAMES",
    "ENV_VAR",
    "KEEP",
    "MARKER",
    "MIN_VALUE_LENGTH",
    "Redaction",
    "is_secret_name",
    "name_words",
    "redact_code",
]

#: What a redacted value is replaced with, everywhere.
MARKER: Final = "<redacted>"
#: Environment variable naming more secret names for this process (comma-separated).
ENV_VAR: Final = "LINEAGE_REDACT"
#: The names whose values are secret (matched as whole words of a name, case-insensitively).
DEFAULT_NAMES: Final = (
    "api_key",
    "api_keys",
    "apikey",
    "credential",
    "credentials",
    "passphrase",
    "passwd",
    "password",
    "passwords",
    "private_key",
    "secret",
    "secrets",
    "token",
)
#: Name endings that describe a secret (its id, type, file, ...) rather than hold one.
KEEP: Final = (
    "count",
    "dir",
    "env",
    "file",
    "id",
    "ids",
    "index",
    "len",
    "length",
    "limit",
    "name",
    "names",
    "path",
    "pattern",
    "regex",
    "size",
    "type",
    "types",
    "bos_token",
    "cls_token",
    "eos_token",
    "mask_token",
    "pad_token",
    "sep_token",
    "unk_token",
)
#: Shortest secret text that is also looked for elsewhere (shorter ones would match too much).
MIN_VALUE_LENGTH: Final = 4

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
#: ``NAME=value`` (environment assignments, Hydra overrides ``+db.password=x``).
_ASSIGN = re.compile(r"[+~]*(?P<name>[A-Za-z_][\w.\-/]*)=(?P<value>.*)", re.DOTALL)
#: A negative number is an option's value, never an option.
_NUMBER = re.compile(r"-\d+(\.\d*)?([eE][-+]?\d+)?")
#: ``name = "text"``, ``name: str = "text"``, ``"name": "text"``, ``environ["NAME"] = "text"``.
_PY_LITERAL = re.compile(
    r"""(?P<key>\b[A-Za-z_]\w*|"[^"\n]+"|'[^'\n]+')\s*\]?\s*"""
    r"""(?::\s*[A-Za-z_][\w.\[\], |]*?\s*=|:|=)(?!=)\s*"""
    r"""[rRbBuUfF]{0,2}(?P<quote>["'])(?P<value>(?:\\.|(?!(?P=quote))[^\\\n])*)(?P=quote)"""
)
#: IPython's ``%env NAME=value`` / ``%env NAME value`` (also commented out by jupytext).
_ENV_MAGIC = re.compile(
    r"(?P<head>\s*(?:#\s*)?%(?:set_)?env\s+)(?P<name>\w+)(?P<sep>=|\s+)(?P<value>\S.*)"
)
#: Cell magics whose body is a shell script, and the cell marker jupytext writes for them.
_SHELL_CELLS: Final = ("%%bash", "%%sh", "%%script", "%%system")
_SHELL_LANGUAGE = re.compile(r'language="(bash|sh|script|system)"')


def name_words(name: str) -> tuple[str, ...]:
    """The lowercased words of a name, cut at non-alphanumerics and camelCase humps.

    Example:
        >>> name_words("--awsSecretAccess-KEY"), name_words("HFToken")
        (('aws', 'secret', 'access', 'key'), ('hf', 'token'))
    """
    return tuple(w.lower() for w in _WORD.findall(name))


def _word_lists(names: Iterable[Any], what: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for name in names:
        words = name_words(name) if isinstance(name, str) else ()
        if not words:
            raise InvalidArgumentError(
                f"{what} must be names with letters or digits (like 'password'), got {name!r}"
            )
        out.append(words)
    return tuple(out)


_from_env: dict[tuple[type, str], Redaction] = {}


@dataclass(frozen=True)
class Redaction:
    """Which names are secret, and the redaction of trees, texts and commands by that rule.

    Attributes:
        names: Secret names (``password``, ``api_key``): a name holding one of them as whole
            words is secret (see the module docs).
        keep: Name endings that make a name not secret (``id``, ``file``, ``pad_token``).
        urls: Redact passwords and secret query parameters in URLs.
    """

    names: tuple[str, ...] = DEFAULT_NAMES
    keep: tuple[str, ...] = KEEP
    urls: bool = True
    _names: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False, default=())
    _keep: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        for attribute in ("names", "keep"):
            value = getattr(self, attribute)
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InvalidArgumentError(
                    f"redaction {attribute} must be a list of names, got {type(value).__name__}"
                )
            object.__setattr__(self, attribute, tuple(value))
        if not isinstance(self.urls, bool):
            raise InvalidArgumentError(f"redaction urls must be True or False, got {self.urls!r}")
        object.__setattr__(self, "_names", _word_lists(self.names, "redaction names"))
        object.__setattr__(self, "_keep", _word_lists(self.keep, "redaction keep"))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_env(cls) -> Redaction:
        """The default names, plus those ``$LINEAGE_REDACT`` adds.

        Raises:
            InvalidArgumentError: The variable holds something that is not a name.
        """
        text = os.environ.get(ENV_VAR, "")
        found = _from_env.get((cls, text))  # every run reads it: once per value (immutable)
        if found is not None:
            return found
        extra = [n.strip() for n in text.split(",") if n.strip()]
        try:
            found = cls().adding(*extra)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"${ENV_VAR}: {exc}") from exc
        if len(_from_env) < 64:
            _from_env[(cls, text)] = found
        return found

    @classmethod
    def none(cls) -> Redaction:
        """Nothing redacted: every value recorded as given."""
        return cls(names=(), urls=False)

    @classmethod
    def from_value(cls, value: Any) -> Redaction:
        """Read ``redact=``: None or True (the defaults and ``$LINEAGE_REDACT``), False
        (nothing), a name or a list of names (added to the defaults), or a Redaction (used as
        it is: its names replace the defaults).

        Raises:
            InvalidArgumentError: Another kind of value, or a name without letters or digits.
        """
        if value is None or value is True:
            return cls.from_env()
        if value is False:
            return cls.none()
        if isinstance(value, Redaction):
            return value
        if isinstance(value, str):
            return cls.from_env().adding(value)
        if isinstance(value, (set, frozenset)):
            return cls.from_env().adding(*sorted(value, key=str))
        if isinstance(value, (list, tuple)):
            return cls.from_env().adding(*value)
        raise InvalidArgumentError(
            "redact must be a list of secret names, a lineage.track.Redaction, or a bool, got "
            f"{type(value).__name__}"
        )

    def adding(self, *names: str) -> Redaction:
        """A copy that also treats ``names`` as secret."""
        _word_lists(names, "redaction names")
        added = tuple(n for n in names if n not in self.names)
        return dataclasses.replace(self, names=self.names + added) if added else self

    # ------------------------------------------------------------------ names
    def is_secret(self, name: str) -> bool:
        """True when values under ``name`` are secret (see the module docs for the rule)."""
        words = name_words(name)
        size = len(words)
        endings = [
            size - len(k) for k in self._keep if len(k) <= size and words[size - len(k) :] == k
        ]
        for secret in self._names:
            n = len(secret)
            for start in range(size - n + 1):
                if words[start : start + n] != secret:
                    continue
                # Kept when an ending follows the match or holds all of it (pad_token_id,
                # pad_token); not when the match runs into the ending (a listed session_id).
                if not any(e >= start + n or e <= start for e in endings):
                    return True
        return False

    # ------------------------------------------------------------------ values
    def tree(self, value: Any) -> tuple[Any, frozenset[str]]:
        """A normalized parameter tree with secret values replaced, and the texts replaced.

        Mappings are walked at any depth; under a secret name every value is replaced (except
        booleans, None and empty strings); other strings have URL credentials redacted.
        """
        hidden: set[str] = set()
        return self._walk(value, False, hidden), frozenset(hidden)

    def _walk(self, value: Any, secret: bool, hidden: set[str]) -> Any:
        if isinstance(value, Mapping):
            return {
                k: self._walk(v, secret or self.is_secret(str(k)), hidden) for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self._walk(v, secret, hidden) for v in value]
        if not secret:
            return self._urls(value, hidden) if isinstance(value, str) else value
        if value is None or isinstance(value, bool) or value in ("", MARKER):
            return value
        if isinstance(value, str) and len(value) >= MIN_VALUE_LENGTH:
            hidden.add(value)
        return MARKER

    def text(self, text: str, values: Iterable[str] = ()) -> str:
        """Free text (an error message) with URL credentials and the known ``values`` replaced."""
        return _replace_known(self._urls(text, set()), values)

    def _urls(self, text: str, hidden: set[str]) -> str:
        if not self.urls or "://" not in text:
            return text
        return _URL.sub(lambda m: self._url(m.group(0), hidden), text)

    def _url(self, url: str, hidden: set[str]) -> str:
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError:  # not a URL after all (a bad port, a stray bracket)
            return url
        if password and password != MARKER:
            hidden.update(p for p in (password, unquote(password)) if len(p) >= MIN_VALUE_LENGTH)
            url = strip_credentials(url, marker=MARKER)
            parts = urlsplit(url)
        if not parts.query:
            return url
        pairs = parts.query.split("&")
        for i, pair in enumerate(pairs):
            key, eq, value = pair.partition("=")
            if eq and value and value != MARKER and self.is_secret(unquote_plus(key)):
                if len(value) >= MIN_VALUE_LENGTH:
                    hidden.add(unquote_plus(value))
                pairs[i] = f"{key}={MARKER}"
        query = "&".join(pairs)
        if query == parts.query:
            return url
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    # ------------------------------------------------------------------ commands and scripts
    def command(self, command: str, values: Iterable[str] = ()) -> str:
        """A shell command line with secret option values, URL credentials and the known
        ``values`` replaced; the rest of the text (quoting, pipes) is kept as written."""
        known = _known(values)
        pieces: list[str] = []
        last = 0
        pending = False
        options = True
        for start, end, word in _shell_words(command):
            new, secret_option = word, False
            if pending and word and not word.startswith("--"):
                new = MARKER  # the value of the secret option before it
            elif options and word == "--":
                options = False
            elif options and _is_option(word):
                name, eq, value = word.partition("=")
                secret_option = self.is_secret(name.lstrip("-"))
                if secret_option and eq and value:
                    new = f"{name}={MARKER}"
            else:
                match = _ASSIGN.fullmatch(word)
                if match and match["value"] and self.is_secret(match["name"]):
                    new = word[: match.start("value")] + MARKER
            pending = secret_option and "=" not in word
            if new == word:
                new = _replace_known(self._urls(word, set()), known)
            if new != word:
                pieces += [command[last:start], shlex.quote(new)]
                last = end
        return "".join(pieces) + command[last:] if pieces else command

    def script(self, script: str, values: Iterable[str] = ()) -> str:
        """A ``py:percent`` notebook script with secrets replaced: in shell lines (``!cmd``,
        ``%run``, ``%%bash`` cells) as in :meth:`command`, in ``%env NAME=value``, in string
        literals given to secret names (``token = "..."``, ``login(token="...")``,
        ``{"password": "..."}``), in URLs, and the known ``values`` everywhere."""
        lines = script.split("\n")
        found: set[str] = set(values)
        shell_cell = False
        for i, line in enumerate(lines):
            if line == "# %%" or line.startswith("# %% "):
                shell_cell = bool(_SHELL_LANGUAGE.search(line))  # jupytext's %%bash cells
                continue
            bare = line.lstrip()
            bare = bare[1:].lstrip() if bare.startswith("#") else bare
            if bare.startswith(_SHELL_CELLS):
                shell_cell = True
            env = _ENV_MAGIC.fullmatch(line)
            if env and self.is_secret(env["name"]):
                found.add(env["value"].strip())
                lines[i] = line[: env.start("value")] + MARKER
            elif shell_cell or bare.startswith(("!", "%")):
                lines[i] = self.command(line)
            else:
                lines[i] = _PY_LITERAL.sub(lambda m: self._literal(m, found), line)
        lines = [self._urls(line, found) for line in lines]
        return "\n".join(_replace_known(line, found) for line in lines)

    def _literal(self, match: re.Match[str], found: set[str]) -> str:
        value = match["value"]
        if not value or value == MARKER or not self.is_secret(match["key"].strip("'\"")):
            return match[0]
        if len(value) >= MIN_VALUE_LENGTH:
            found.add(value)
        text = match.string
        return (
            text[match.start() : match.start("value")]
            + MARKER
            + text[match.end("value") : match.end()]
        )


def _is_option(word: str) -> bool:
    return word.startswith("-") and len(word) > 1 and not _NUMBER.fullmatch(word)


def _known(values: Iterable[str]) -> tuple[str, ...]:
    """The texts to look for, longest first (so a longer secret is replaced whole)."""
    return tuple(sorted({v for v in values if len(v) >= MIN_VALUE_LENGTH}, key=len, reverse=True))


def _replace_known(text: str, values: Iterable[str]) -> str:
    for value in _known(values):
        if value in text and value != MARKER:
            text = text.replace(value, MARKER)
    return text


def _shell_words(text: str) -> list[tuple[int, int, str]]:
    """The words of a POSIX shell command: (start, end, text without quotes), as ``shlex`` would
    split it; an unclosed quote runs to the end."""
    words: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, chars = i, []
        while i < n and not text[i].isspace():
            char = text[i]
            if char == "'":
                close = text.find("'", i + 1)
                close = n if close < 0 else close
                chars.append(text[i + 1 : close])
                i = close + 1
            elif char == '"':
                i += 1
                while i < n and text[i] != '"':
                    if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\$`':
                        i += 1
                    chars.append(text[i])
                    i += 1
                i += 1
            elif char == "\\" and i + 1 < n:
                chars.append(text[i + 1])
                i += 2
            else:
                chars.append(char)
                i += 1
        words.append((start, min(i, n), "".join(chars)))
    return words


_cached: tuple[str, Redaction] | None = None


def is_secret_name(name: str) -> bool:
    """True when ``name`` is secret by the default rule (and ``$LINEAGE_REDACT``).

    Example:
        >>> [is_secret_name(n) for n in ("hub_token", "pad_token_id", "tokenizer_name")]
        [True, False, False]
    """
    global _cached
    text = os.environ.get(ENV_VAR, "")
    if _cached is None or _cached[0] != text:
        _cached = (text, Redaction.from_env())
    return _cached[1].is_secret(name)


@functools.lru_cache(maxsize=32)
def _command(redaction: Redaction, command: str, values: tuple[str, ...]) -> str:
    """:meth:`Redaction.command`, once per process for a command line (every run has one)."""
    return redaction.command(command, values)


def redact_code(code: CodeInfo, redaction: Redaction, values: Iterable[str] = ()) -> CodeInfo:
    """``code`` with its command line and notebook script redacted (``values``: texts already
    known to be secret, such as redacted parameter values)."""
    known = tuple(values)
    changes: dict[str, Any] = {}
    if code.command:
        changes["command"] = _command(redaction, code.command, known)
    if code.notebook_script is not None:
        script = redaction.script(code.notebook_script.script, known)
        changes["notebook_script"] = NotebookScript(
            script=script, generator=code.notebook_script.generator
        )
    return dataclasses.replace(code, **changes) if changes else code
