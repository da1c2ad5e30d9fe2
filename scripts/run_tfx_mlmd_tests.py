"""Run TFX 1.21's own MLMD-layer tests against lineage's ``ml_metadata`` package.

Usage: python scripts/run_tfx_mlmd_tests.py   (in .venv-compat; `make test-ml-metadata-compat`)

The tests are ``tfx/orchestration/portable/mlmd/*_test.py`` as the ml-pipelines-sdk 1.21.0 wheel
installs them, run in place and unmodified, with ``import ml_metadata`` giving lineage's
compatibility package (compat/ml-metadata) and no Google ml-metadata installed. The run passes
when every test passes except the ones named in ``WHEEL_OWN_FAILURES``, which must fail and for
the reason given there (files the wheel does not ship), and ``EXPECTED_PASSED`` tests passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

#: Tests that cannot pass from the wheel, and a text their failure must contain.
WHEEL_OWN_FAILURES = {
    "context_lib_test.ContextLibTest.testPrepareContexts": (
        "testdata/node_context_spec.pbtxt; No such file or directory"
    ),
    "context_lib_test.ContextLibTest.testPrepareContexts_PipelineAndPipelineRunContext": (
        "testdata/node_context_spec_pipeline_and_pipeline_run_context.pbtxt; No such file"
    ),
}
EXPECTED_PASSED = 76


def main() -> int:
    import ml_metadata
    import tfx

    if not getattr(ml_metadata, "__lineage_compat__", False):
        print(f"ml_metadata is not lineage's package: {ml_metadata.__file__}", file=sys.stderr)
        return 1
    tests = sorted((Path(tfx.__file__).parent / "orchestration/portable/mlmd").glob("*_test.py"))
    if not tests:
        print("no TFX MLMD-layer tests found in the installed tfx package", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="lineage-tfx-tests-") as tmp:
        report = Path(tmp) / "report.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # The package's own root: test ids then carry the module (context_lib_test.Class.test).
            f"--rootdir={Path(tfx.__file__).parent.parent}",
            f"--junitxml={report}",
            *map(str, tests),
        ]
        print(f"TFX MLMD-layer tests ({len(tests)} files from {tests[0].parent}):", flush=True)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        subprocess.call(command, cwd=tmp, env=env)
        cases = ET.parse(report).getroot().iter("testcase")
        passed, failed, skipped = [], {}, []
        for case in cases:
            module, _, cls = (case.get("classname") or "").rpartition(".")
            name = f"{module.rpartition('.')[2]}.{cls}.{case.get('name')}"
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if case.find("skipped") is not None:
                skipped.append(name)
            elif problem is not None:
                failed[name] = (problem.get("message") or "") + (problem.text or "")
            else:
                passed.append(name)
    ok = True
    for name, reason in WHEEL_OWN_FAILURES.items():
        text = failed.pop(name, None)
        if text is None or reason not in text:
            print(f"expected {name} to fail for the wheel's own reason ({reason})", file=sys.stderr)
            ok = False
    for name, text in sorted(failed.items()):
        print(f"FAILED {name}: {text[:2000]}", file=sys.stderr)
        ok = False
    print(
        f"TFX MLMD-layer tests: {len(passed)} passed, {len(WHEEL_OWN_FAILURES)} failed for the "
        f"wheel's own reasons (testdata files not in the wheel: "
        f"{', '.join(sorted(WHEEL_OWN_FAILURES))}), {len(failed)} other failures, "
        f"{len(skipped)} skipped by TensorFlow's TestCase ({', '.join(sorted(set(skipped)))})"
    )
    if len(passed) != EXPECTED_PASSED:
        print(f"expected {EXPECTED_PASSED} passed, got {len(passed)}", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
