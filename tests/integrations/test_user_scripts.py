"""The issue's user scripts: what changed between two models, as `lineage diff` tells it.

1. A scikit-learn script trains twice, once after ``dvc add`` of a changed dataset: the diff of
   the two models names the DVC version change and nothing else (no code, parameter or package
   change).
2. The same for a Lightning model trained twice with a changed learning rate is in
   tests/integrations/test_lightning.py (``test_diff_of_two_models_names_only_the_lr_change``).

The scripts run as a user runs them: separate processes, default captures (git, environment),
the store from ``$LINEAGE_DB``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integrations.conftest import framework, invoke

GIT = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev"]

TRAIN = """\
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

import lineage

lineage.sklearn.autolog()
data = sys.argv[1]
with lineage.run("train", inputs={"train": data}, experiment="churn") as run:
    table = np.loadtxt(data, delimiter=",", skiprows=1)
    LogisticRegression(C=0.5).fit(table[:, :-1], table[:, -1])
print(run.id)
"""


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_sklearn_model_diff_after_dvc_add_names_only_the_data_version(tmp_path: Path) -> None:
    framework("sklearn")
    framework("dvc")
    data_repo, code = tmp_path / "data", tmp_path / "code"
    data_repo.mkdir()
    code.mkdir()
    sh([*GIT, "init", "-q"], data_repo)
    sh([sys.executable, "-m", "dvc", "init", "-q"], data_repo)
    csv = data_repo / "train.csv"
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40))
    csv.write_text("a,b,label\n" + rows + "\n")
    sh([sys.executable, "-m", "dvc", "add", "-q", "train.csv"], data_repo)
    (code / "train.py").write_text(TRAIN)
    sh([*GIT, "init", "-q"], code)
    sh([*GIT, "add", "train.py"], code)
    sh([*GIT, "commit", "-qm", "train"], code)
    db = str(tmp_path / "lineage.db")
    env = {"LINEAGE_DB": db, "LINEAGE_ARTIFACTS": str(tmp_path / "models")}
    first = int(sh([sys.executable, "train.py", str(csv)], code, env).strip())
    csv.write_text("a,b,label\n" + rows + "\n6,1,1\n0,4,0\n")  # new rows
    sh([sys.executable, "-m", "dvc", "add", "-q", "train.csv"], data_repo)
    second = int(sh([sys.executable, "train.py", str(csv)], code, env).strip())

    shown = json.loads(invoke("--db", db, "runs", "show", str(second), "--json").output)
    (model,) = [a for a in shown["outputs"] if a["type"] == "Model"]
    shown_a = json.loads(invoke("--db", db, "runs", "show", str(first), "--json").output)
    (model_a,) = [a for a in shown_a["outputs"] if a["type"] == "Model"]
    result = invoke("--db", db, "diff", f"artifact:{model_a['id']}", f"artifact:{model['id']}")
    assert result.exit_code == 0, result.output
    dvc_a = (data_repo / "train.csv.dvc").read_text()
    assert "md5:" in result.output
    assert "fingerprint (dvc)" in result.output
    as_json = json.loads(
        invoke(
            "--db", db, "diff", f"artifact:{model_a['id']}", f"artifact:{model['id']}", "--json"
        ).output
    )
    data_changes = {c["name"] for c in as_json["data"]}
    assert data_changes == {"train (Dataset) fingerprint (dvc)", "train (Dataset) version"}
    (fp_change,) = [c for c in as_json["data"] if "fingerprint" in c["name"]]
    assert fp_change["b"].removeprefix("md5:") in dvc_a  # the hash DVC's file names now
    assert as_json["code"] == []
    assert as_json["parameters"] == []
    assert as_json["packages"] == []
