"""``@lineage.component``: record every call of a pipeline component as a run.

The call's arguments become the run's parameters, except those named as ``inputs`` or
``outputs`` (paths, recorded as data) and ``self`` / ``cls``. An argument that cannot be
recorded as a parameter raises :class:`~lineage.errors.InvalidArgumentError` before the function
runs; choose what to record with ``params=[...]`` or ``params=False``.

Example:
    >>> import lineage, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "raw.csv").write_text("a\\n1\\n")
    >>> store = lineage.MetadataStore("sqlite://")
    >>> @lineage.component(inputs=["src"], outputs=["dst"], store=store,
    ...                    capture={"environment": False})
    ... def clean(src, dst, dropna=True):
    ...     pathlib.Path(dst).write_text(pathlib.Path(src).read_text())
    >>> clean(folder / "raw.csv", folder / "clean.csv")
    >>> [e.custom_properties["param.dropna"].bool_value for e in store.get_executions()]
    [True]
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from lineage.errors import InvalidArgumentError
from lineage.track.lifecycle import Run
from lineage.track.params import normalize
from lineage.track.stores import StoreLike

__all__ = ["component"]

F = TypeVar("F", bound=Callable[..., Any])

_SKIPPED = frozenset({"self", "cls"})


def _names(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not all(isinstance(v, str) for v in value):
        raise InvalidArgumentError(f"{what} must name the function's arguments, got {value!r}")
    return tuple(value)


def _check_names(signature: inspect.Signature, names: Sequence[str], what: str, fn: Any) -> None:
    params = signature.parameters
    open_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
    for name in names:
        if name not in params and not open_kwargs:
            raise InvalidArgumentError(
                f"{what} names {name!r}, which is not an argument of {fn.__qualname__}{signature}"
            )


def _arguments(bound: inspect.BoundArguments) -> dict[str, Any]:
    """The call's arguments by name, with ``**kwargs`` spread out."""
    out: dict[str, Any] = {}
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def component(
    fn: Any = None,
    *,
    name: str | None = None,
    kind: str | None = None,
    inputs: str | Sequence[str] | None = None,
    outputs: str | Sequence[str] | None = None,
    params: bool | Sequence[str] | Any = True,
    experiment: str | None = None,
    pipeline: str | None = None,
    store: StoreLike = None,
    tags: Any = (),
    capture: Any = None,
    redact: Any = None,
) -> Any:
    """Decorate a function so that each call is recorded as a run.

    Usable bare (``@component``) or with options (``@component(kind="train", ...)``).

    Args:
        fn: The function (when used bare).
        name: The step name (default: the function's name).
        kind: The execution's base type (``train``, ``evaluate``, ...; default: guessed).
        inputs: Names of arguments holding input paths (a path or a list of paths each).
        outputs: Names of arguments holding output paths, fingerprinted after the call.
        params: True (every other argument), False (none), a list of argument names, or
            fixed parameters for every call (a dict, Namespace or config file path, as
            :func:`lineage.run` takes), recorded besides no arguments.
        experiment: The experiment of every call.
        pipeline: The pipeline the component belongs to.
        store: Where to record (default: the enclosing run's or pipeline's store, else
            ``$LINEAGE_DB``, else ``./lineage.db``).
        tags: Tags for every run.
        capture: The captures to make (see :class:`lineage.track.Capture`).
        redact: More secret names, a :class:`lineage.track.Redaction` or False, as
            :func:`lineage.run` takes (arguments with secret names are recorded redacted).

    Returns:
        The decorated function (or a decorator).

    Raises:
        InvalidArgumentError: ``inputs``, ``outputs`` or ``params`` name arguments the
            function does not have.
    """
    options: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "inputs": inputs,
        "outputs": outputs,
        "params": params,
        "experiment": experiment,
        "pipeline": pipeline,
        "store": store,
        "tags": tags,
        "capture": capture,
        "redact": redact,
    }
    if fn is None:
        return lambda f: component(f, **options)
    if not callable(fn):
        raise InvalidArgumentError(f"component decorates a function, got {type(fn).__name__}")
    return _decorate(fn, options)


def _decorate(fn: Any, options: dict[str, Any]) -> Any:
    signature = inspect.signature(fn)
    step = options["name"] or fn.__name__
    inputs = _names(options["inputs"], "inputs")
    outputs = _names(options["outputs"], "outputs")
    _check_names(signature, inputs, "inputs", fn)
    _check_names(signature, outputs, "outputs", fn)
    params_option = options["params"]
    selected: tuple[str, ...] | None = None
    fixed: Any = None
    if params_option is True:
        selected = None
    elif params_option is False or params_option is None:
        selected = ()
    elif isinstance(params_option, (list, tuple)) and all(
        isinstance(p, str) for p in params_option
    ):
        _check_names(signature, params_option, "params", fn)
        selected = tuple(params_option)
    else:
        fixed, selected = params_option, ()
    function_name = f"{fn.__module__}.{fn.__qualname__}"
    try:
        source = inspect.getsourcefile(fn)
    except TypeError:  # a builtin or a C function
        source = None
    directory = os.path.dirname(os.path.abspath(source)) if source else None

    def make_run(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Run:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = _arguments(bound)
        data_in = {n: arguments[n] for n in inputs if arguments.get(n) is not None}
        data_out = {n: arguments[n] for n in outputs if arguments.get(n) is not None}
        recorded: dict[str, Any] = {}
        skip = set(inputs) | set(outputs) | _SKIPPED
        for key, value in arguments.items():
            if key in skip or (selected is not None and key not in selected):
                continue
            try:
                recorded[key] = normalize(value, key)
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(
                    f"argument {key!r} of component {step!r} cannot be recorded as a parameter "
                    f"({exc}); choose the parameters with component(params=[...])"
                ) from exc
        sources = [] if fixed is None else list(fixed) if isinstance(fixed, tuple) else [fixed]
        return Run(
            step,
            params=[*sources, recorded] if recorded else (sources or None),
            inputs=data_in or None,
            outputs=data_out or None,
            experiment=options["experiment"],
            pipeline=options["pipeline"],
            kind=options["kind"],
            store=options["store"],
            tags=options["tags"],
            capture=options["capture"],
            redact=options["redact"],
            function=function_name,
            code_directory=directory,
        )

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with make_run(args, kwargs):
                return await fn(*args, **kwargs)

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make_run(args, kwargs):
            return fn(*args, **kwargs)

    wrapper.__lineage_component__ = step  # type: ignore[attr-defined]
    return wrapper
