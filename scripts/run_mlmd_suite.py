"""Run ml-metadata 1.17.1's own test file, unmodified, against lineage.MetadataStore.

Usage: python scripts/run_mlmd_suite.py --backend sqlite|mysql|postgresql [--wheel WHEEL]

The test file is copied at run time from the installed ``ml_metadata`` wheel into a temporary
directory (it is not part of this repository), next to ``tests/mlmd_suite/conftest.py``, which swaps
the implementation in. The run passes only if all 108 cases pass: the 2 cases upstream marks
``xfail`` (they need ``TEST_TMPDIR``) run too, with ``--runxfail``.

Where ``ml_metadata`` is lineage's compatibility package (compat/ml-metadata, in .venv-compat),
the test file is read out of Google's wheel (``--wheel``) and ``import ml_metadata`` in it is
lineage's package, with nothing swapped in on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _mlmd_wheel import suite_source

EXPECTED_CASES = 108
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "mysql", "postgresql"), default="sqlite")
    parser.add_argument(
        "--wheel",
        help="read the test file from this ml-metadata wheel (when ml_metadata is lineage's)",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    args = parser.parse_args()

    import ml_metadata

    which = (
        "lineage's ml_metadata"
        if getattr(ml_metadata, "__lineage_compat__", False)
        else ("Google's ml_metadata")
    )
    with tempfile.TemporaryDirectory(prefix="lineage-mlmd-suite-") as tmp:
        source = suite_source(args.wheel, Path(tmp) / "source") / "metadata_store_test.py"
        work = Path(tmp) / "suite"
        work.mkdir()
        shutil.copy(source, work / "metadata_store_test.py")
        shutil.copy(ROOT / "tests" / "mlmd_suite" / "conftest.py", work / "conftest.py")
        (work / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
        test_tmp = work / "test_tmpdir"
        test_tmp.mkdir()
        summary = work / "summary.json"
        env = dict(os.environ)
        env.update(
            TEST_TMPDIR=str(test_tmp),
            LINEAGE_MLMD_SUITE_BACKEND=args.backend,
            LINEAGE_MLMD_SUITE_SUMMARY=str(summary),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        )
        command = [sys.executable, "-m", "pytest", "-q", "--runxfail", str(work), *args.pytest_args]
        print(f"mlmd suite ({args.backend}, {which}): {' '.join(command)}", flush=True)
        code = subprocess.call(command, cwd=work, env=env)
        outcomes = json.loads(summary.read_text()) if summary.exists() else {}
    passed = outcomes.get("passed", 0)
    others = {k: v for k, v in outcomes.items() if k != "passed" and v}
    print(f"mlmd suite ({args.backend}): {passed} passed, other outcomes {others or 'none'}")
    if args.pytest_args:
        return code
    if code != 0 or passed != EXPECTED_CASES or others:
        print(
            f"mlmd suite ({args.backend}): FAILED, expected {EXPECTED_CASES} passed",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
