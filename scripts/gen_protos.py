"""Regenerate ``lineage/proto/_generated`` from ``schemas/*.proto``.

Usage::

    python scripts/gen_protos.py           # rewrite the generated files (`make protos`)
    python scripts/gen_protos.py --check   # exit 1 if they are stale (`make check-protos`)

The ``.proto`` sources are compiled under the descriptor names ``ml_metadata/proto/*.proto``
(the names ml-metadata registers), so that both packages can share one descriptor pool. For each
file we write:

* ``<name>_pb2.py``: the serialized FileDescriptorProto exactly as protoc's Python generator
  embeds it, wrapped in a fixed module template that only uses runtime APIs present in every
  protobuf release from 4.25 to 7.x (``descriptor_pool.AddSerializedFile`` and
  ``internal.builder``). protoc's own Python output is not used as is: since protobuf 5.26 it
  refuses to load on an older runtime, and ml-metadata pins ``protobuf<5``. The template also
  makes the output independent of the protoc version in grpcio-tools.
* ``<name>_pb2.pyi``: typed stubs from mypy-protobuf's ``protoc-gen-mypy``.

Imports of ``ml_metadata.proto`` modules are rewritten to ``lineage.proto._generated``.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas"
OUTPUT_DIR = ROOT / "lineage" / "proto" / "_generated"
SOURCES = (
    "metadata_store.proto",
    "metadata_store_service.proto",
    "simple_types.proto",
    "lineage_service.proto",
)

# Descriptor names are fixed by ml-metadata; our Python package is not. lineage's own service
# (lineage_service.proto, beyond MLMD) registers under lineage/proto/.
DESCRIPTOR_DIR = "ml_metadata/proto"
OWN_DESCRIPTOR_DIR = "lineage/proto"
OWN_SOURCES = ("lineage_service.proto",)
# ml-metadata's list of its system types (for ml_metadata.metadata_store.mlmd_types).
SIMPLE_TYPES_DIR = "ml_metadata/simple_types/proto"


def _descriptor_dir(source: str) -> str:
    if source == "simple_types.proto":
        return SIMPLE_TYPES_DIR
    return OWN_DESCRIPTOR_DIR if source in OWN_SOURCES else DESCRIPTOR_DIR


UPSTREAM_PACKAGE = "ml_metadata.proto"
PYTHON_PACKAGE = "lineage.proto._generated"

INIT_TEXT = '''"""Generated protobuf modules. Do not edit; import them through ``lineage.proto``.

Regenerate with ``make protos`` (``scripts/gen_protos.py``) after editing ``schemas/*.proto``.
"""
'''


class GenerationError(RuntimeError):
    """protoc or a plugin failed, or its output was not what this script expects."""


# --------------------------------------------------------------------------------------------
# Running protoc
# --------------------------------------------------------------------------------------------


def _mypy_plugin() -> Path:
    candidate = Path(sys.executable).parent / "protoc-gen-mypy"
    if candidate.exists():
        return candidate
    found = shutil.which("protoc-gen-mypy")
    if found is None:
        raise GenerationError(
            "protoc-gen-mypy not found: install the dev extra (pip install -e '.[dev]')"
        )
    return Path(found)


def _run_protoc(work: Path) -> tuple[Path, Path]:
    """Compile the schemas in ``work``; return the python_out and mypy_out directories."""
    try:
        import grpc_tools
    except ImportError as exc:
        raise GenerationError(
            "grpcio-tools is not installed: install the dev extra (pip install -e '.[dev]')"
        ) from exc

    include = work / "include"
    for name in SOURCES:
        proto_dir = include / _descriptor_dir(name)
        proto_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SCHEMA_DIR / name, proto_dir / name)
    python_out = work / "python_out"
    mypy_out = work / "mypy_out"
    python_out.mkdir()
    mypy_out.mkdir()
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={include}",
        f"--proto_path={well_known}",
        f"--python_out={python_out}",
        f"--plugin=protoc-gen-mypy={_mypy_plugin()}",
        f"--mypy_out={mypy_out}",
        *(f"{_descriptor_dir(name)}/{name}" for name in SOURCES),
    ]
    result = subprocess.run(command, cwd=include, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        hint = ""
        if "runtime_version" in result.stderr:
            hint = (
                f"\nhint: mypy-protobuf 5 needs protobuf >= 6.32, this environment has"
                f" {importlib.metadata.version('protobuf')} (grpcio-tools 1.62 pins protobuf < 5;"
                " grpcio-tools 1.85.1 brings protobuf 7)"
            )
        raise GenerationError(
            f"protoc failed (exit {result.returncode}):\n{result.stdout}{result.stderr}{hint}"
        )
    return python_out, mypy_out


def _serialized_descriptor(protoc_module: Path) -> bytes:
    """The bytes that protoc's Python output passes to ``AddSerializedFile``."""
    tree = ast.parse(protoc_module.read_text(encoding="utf-8"))
    found = [
        node.args[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "AddSerializedFile"
    ]
    if len(found) != 1:
        raise GenerationError(f"{protoc_module}: expected one AddSerializedFile call")
    value = ast.literal_eval(found[0])
    if not isinstance(value, bytes):
        raise GenerationError(f"{protoc_module}: AddSerializedFile argument is not bytes")
    return value


# --------------------------------------------------------------------------------------------
# The _pb2.py template
# --------------------------------------------------------------------------------------------


def _c_escape(data: bytes) -> str:
    """Escape bytes the way protoc writes option literals (C escapes, octal for the rest)."""
    special = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"', 0x27: "\\'", 0x5C: "\\\\"}
    out = []
    for byte in data:
        if byte in special:
            out.append(special[byte])
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _python_module(proto_name: str) -> str:
    """Python module of a .proto dependency, as our generated code imports it."""
    stem = proto_name.removesuffix(".proto").replace("-", "_")
    if proto_name.startswith(
        (DESCRIPTOR_DIR + "/", OWN_DESCRIPTOR_DIR + "/", SIMPLE_TYPES_DIR + "/")
    ):
        return f"{PYTHON_PACKAGE}.{stem.rsplit('/', 1)[1]}_pb2"
    return stem.replace("/", ".") + "_pb2"


def _module_alias(proto_name: str) -> str:
    """protoc's alias for an imported module (from the upstream module name, for stability)."""
    upstream = proto_name.removesuffix(".proto").replace("-", "_").replace("/", ".") + "_pb2"
    return upstream.replace("_", "__").replace(".", "_dot_")


class _Template:
    """Renders one ``_pb2.py`` module from a serialized FileDescriptorProto."""

    def __init__(self, serialized: bytes, module_name: str, source: str) -> None:
        from google.protobuf import descriptor_pb2

        self.serialized = serialized
        self.module_name = module_name
        self.source = source
        self.file = descriptor_pb2.FileDescriptorProto.FromString(serialized)
        if self.file.SerializeToString() != serialized:
            raise GenerationError(f"{source}: descriptor does not re-serialize identically")

    # -- descriptor option resets (used by the pure-Python runtime only) ---------------------

    @staticmethod
    def _options(element: Any) -> str | None:
        data: bytes = element.options.SerializeToString()
        return f"b'{_c_escape(data)}'" if data else None

    def _reset(self, target: str, options: str | None) -> Iterator[str]:
        if options is not None:
            yield f"_reset_options({target}, {options})"

    def _enum_resets(self, enum: Any, name: str) -> Iterator[str]:
        yield from self._reset(f"_globals['{name}']", self._options(enum))
        for value in enum.value:
            target = f"_globals['{name}'].values_by_name[\"{value.name}\"]"
            yield from self._reset(target, self._options(value))

    def _message_resets(self, message: Any, name: str) -> Iterator[str]:
        for nested in message.nested_type:
            yield from self._message_resets(nested, f"{name}_{nested.name.upper()}")
        for enum in message.enum_type:
            yield from self._enum_resets(enum, f"{name}_{enum.name.upper()}")
        for oneof in message.oneof_decl:
            target = f"_globals['{name}'].oneofs_by_name['{oneof.name}']"
            yield from self._reset(target, self._options(oneof))
        for field in message.field:
            target = f"_globals['{name}'].fields_by_name['{field.name}']"
            yield from self._reset(target, self._options(field))
        for field in message.extension:
            target = f"_globals['{name}'].extensions_by_name['{field.name}']"
            yield from self._reset(target, self._options(field))
        yield from self._reset(f"_globals['{name}']", self._options(message))

    def _option_resets(self) -> Iterator[str]:
        yield "DESCRIPTOR._options = None"
        yield "DESCRIPTOR._loaded_options = None"
        file_options = self._options(self.file)
        if file_options is not None:
            yield f"DESCRIPTOR._serialized_options = {file_options}"
        for enum in self.file.enum_type:
            yield from self._enum_resets(enum, f"_{enum.name.upper()}")
        for field in self.file.extension:
            yield from self._reset(field.name, self._options(field))
        for message in self.file.message_type:
            yield from self._message_resets(message, f"_{message.name.upper()}")
        for service in self.file.service:
            name = f"_{service.name.upper()}"
            yield from self._reset(f"_globals['{name}']", self._options(service))
            for method in service.method:
                target = f"_globals['{name}'].methods_by_name['{method.name}']"
                yield from self._reset(target, self._options(method))

    # -- byte ranges of each descriptor inside the file (used by CopyToProto) ----------------

    def _interval(self, message: Any, name: str) -> Iterator[str]:
        data: bytes = message.SerializeToString()
        start = self.serialized.find(data)
        if start < 0:
            raise GenerationError(f"{self.source}: {name} not found in the serialized file")
        yield f"_globals['{name}']._serialized_start={start}"
        yield f"_globals['{name}']._serialized_end={start + len(data)}"

    def _message_intervals(self, message: Any, name: str) -> Iterator[str]:
        yield from self._interval(message, name)
        for nested in message.nested_type:
            yield from self._message_intervals(nested, f"{name}_{nested.name.upper()}")
        for enum in message.enum_type:
            yield from self._interval(enum, f"{name}_{enum.name.upper()}")

    def _intervals(self) -> Iterator[str]:
        for enum in self.file.enum_type:
            yield from self._interval(enum, f"_{enum.name.upper()}")
        for message in self.file.message_type:
            yield from self._message_intervals(message, f"_{message.name.upper()}")
        for service in self.file.service:
            yield from self._interval(service, f"_{service.name.upper()}")

    # -- the module --------------------------------------------------------------------------

    def _descriptor_literal(self) -> list[str]:
        chunk = 48
        return [
            f"    {self.serialized[i : i + chunk]!r}" for i in range(0, len(self.serialized), chunk)
        ]

    def render(self) -> str:
        if self.file.public_dependency or self.file.weak_dependency:
            raise GenerationError(f"{self.source}: public/weak imports are not supported")
        imports = [
            f"from {module} import {leaf} as {_module_alias(dep)}"
            for dep in self.file.dependency
            for module, _, leaf in [_python_module(dep).rpartition(".")]
        ]
        lines = [
            "# -*- coding: utf-8 -*-",
            f"# Generated by scripts/gen_protos.py from schemas/{self.source}. DO NOT EDIT!",
            f"# Descriptor: {self.file.name}",
            "# Works with every protobuf runtime from 4.25 to 7.x (see scripts/gen_protos.py).",
            '"""Generated protocol buffer code."""',
            "from google.protobuf import descriptor as _descriptor",
            "from google.protobuf import descriptor_pool as _descriptor_pool",
            "from google.protobuf import symbol_database as _symbol_database",
            "from google.protobuf.internal import builder as _builder",
            "",
            "_sym_db = _symbol_database.Default()",
            "",
            *imports,
            "",
            "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(",
            *self._descriptor_literal(),
            ")",
            "",
            "_globals = globals()",
            "_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)",
            f"_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, '{self.module_name}', _globals)",
            "if not _descriptor._USE_C_DESCRIPTORS:",
            "",
            "  def _reset_options(descriptor, serialized_options):",
            "    # Make the pure-Python runtime re-parse options once custom options are",
            "    # registered (_options before protobuf 5.26, _loaded_options after).",
            "    descriptor._options = None",
            "    descriptor._loaded_options = None",
            "    descriptor._serialized_options = serialized_options",
            "",
            *(f"  {line}" for line in self._option_resets()),
            *(f"  {line}" for line in self._intervals()),
            "",
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The .pyi stubs
# --------------------------------------------------------------------------------------------


def _rewrite_stub(text: str, source: str) -> str:
    """Point imports of ``ml_metadata.proto`` at our package."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith(f"from {UPSTREAM_PACKAGE} import "):
            line = line.replace(f"from {UPSTREAM_PACKAGE} ", f"from {PYTHON_PACKAGE} ", 1)
        elif line.startswith(f"import {UPSTREAM_PACKAGE}."):
            raise GenerationError(f"{source}: unexpected import form: {line.strip()}")
        out.append(line)
    rewritten = "".join(out)
    leftover = [
        line.strip()
        for line in rewritten.splitlines()
        if f"{UPSTREAM_PACKAGE}." in line and line.lstrip().startswith(("from ", "import "))
    ]
    if leftover:
        raise GenerationError(f"{source}: imports left pointing at ml_metadata: {leftover}")
    return rewritten


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def generate(output_dir: Path) -> list[Path]:
    """Write every generated file into ``output_dir``; return the paths written."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="lineage-protoc-") as tmp:
        python_out, mypy_out = _run_protoc(Path(tmp))
        for source in SOURCES:
            stem = source.removesuffix(".proto")
            where = _descriptor_dir(source)
            serialized = _serialized_descriptor(python_out / where / f"{stem}_pb2.py")
            template = _Template(serialized, f"{PYTHON_PACKAGE}.{stem}_pb2", source)
            if template.file.name != f"{where}/{source}":
                raise GenerationError(f"{source}: unexpected descriptor name {template.file.name}")
            stub_text = (mypy_out / where / f"{stem}_pb2.pyi").read_text("utf-8")
            stub = _rewrite_stub(stub_text, source)
            for name, text in ((f"{stem}_pb2.py", template.render()), (f"{stem}_pb2.pyi", stub)):
                path = output_dir / name
                path.write_text(text, encoding="utf-8", newline="\n")
                written.append(path)
    init = output_dir / "__init__.py"
    init.write_text(INIT_TEXT, encoding="utf-8", newline="\n")
    written.append(init)
    for path in output_dir.iterdir():
        if path.name not in _expected_names() and path.name != "__pycache__":
            path.unlink()
    return sorted(written)


def _expected_names() -> set[str]:
    names = {"__init__.py"}
    for source in SOURCES:
        stem = source.removesuffix(".proto")
        names |= {f"{stem}_pb2.py", f"{stem}_pb2.pyi"}
    return names


def stale_files(output_dir: Path = OUTPUT_DIR) -> list[str]:
    """Regenerate into a temporary directory; return the files in ``output_dir`` that differ.

    Missing, changed and unexpected files are all reported (``__pycache__`` is ignored).
    """
    with tempfile.TemporaryDirectory(prefix="lineage-protos-check-") as tmp:
        fresh_dir = Path(tmp)
        generate(fresh_dir)
        problems = []
        for name in sorted(_expected_names()):
            committed = output_dir / name
            if not committed.exists():
                problems.append(f"{name}: missing")
            elif committed.read_bytes() != (fresh_dir / name).read_bytes():
                problems.append(f"{name}: differs from a fresh generation")
        if output_dir.is_dir():
            extra = {p.name for p in output_dir.iterdir() if p.name != "__pycache__"}
            problems += [
                f"{name}: not produced by the generator"
                for name in sorted(extra - _expected_names())
            ]
        return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write anything; exit 1 if the committed files are stale",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = stale_files()
            if problems:
                rel = OUTPUT_DIR.relative_to(ROOT)
                print(f"{rel} is stale; run `make protos` and commit the result:")
                for problem in problems:
                    print(f"  {problem}")
                return 1
            print(f"{OUTPUT_DIR.relative_to(ROOT)} is up to date")
            return 0
        for path in generate(OUTPUT_DIR):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    except GenerationError as exc:
        print(f"gen_protos: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
