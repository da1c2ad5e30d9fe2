"""Data versions from DVC, Git LFS, Delta Lake and Hugging Face datasets, with the real tools.

Each test makes a real repository or table (``dvc init`` / ``dvc add`` / ``dvc repro``,
``git lfs track``, ``deltalake.write_deltalake``, ``datasets.Dataset``), records a run that
reads it and checks what a user reads in ``lineage runs show`` and ``lineage provenance``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.track import get_run
from tests.integrations.conftest import OFF, framework, invoke

GIT_ID = ["-c", "user.email=dev@example.com", "-c", "user.name=dev"]


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def dvc(*args: str, cwd: Path) -> str:
    return sh(sys.executable, "-m", "dvc", *args, cwd=cwd)


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    return sh("git", *GIT_ID, *args, cwd=cwd, env=env)


@pytest.fixture
def dvc_repo(tmp_path: Path) -> Path:
    framework("dvc")
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    dvc("init", "-q", cwd=repo)
    dvc("remote", "add", "-d", "storage", str(tmp_path / "dvc-store"), cwd=repo)
    return repo


def record_input(db: str, data: Any, name: str = "train") -> Any:
    with lineage.run(name, inputs={"data": data}, store=db, capture=OFF) as run:
        pass
    return run


def artifact_props(db: str, run: Any) -> dict[str, Any]:
    info = get_run(run.store, run.id)
    (item,) = [a for a in info.inputs if a.path == "data"]
    (artifact,) = run.store.get_artifacts_by_id([item.id])
    out: dict[str, Any] = {}
    for key, value in artifact.custom_properties.items():
        kind = value.WhichOneof("value")
        out[key] = getattr(value, kind)
    out["_external_id"] = artifact.external_id
    out["_name"] = artifact.name
    out["_id"] = artifact.id
    return out


# ------------------------------------------------------------------------------------- DVC
def test_dvc_add_is_recorded_with_dvcs_hash_without_rehashing(dvc_repo: Path, db: str) -> None:
    data = dvc_repo / "train.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    dvc("add", "-q", "train.csv", cwd=dvc_repo)
    md5 = hashlib.md5(data.read_bytes()).hexdigest()  # what DVC's .dvc file names
    assert f"md5: {md5}" in (dvc_repo / "train.csv.dvc").read_text()
    run = record_input(db, data)
    props = artifact_props(db, run)
    assert props["version_source"] == "dvc"
    assert props["dvc.hash"] == md5
    assert props["dvc.hash_name"] == "md5"
    assert props["dvc.file"] == "train.csv.dvc"
    assert props["dvc.remote"] == "storage"
    assert props["dvc.remote_url"].endswith("dvc-store")
    assert props["fingerprint"] == f"md5:{md5}"
    assert props["_external_id"] == f"md5:{md5}"
    shown = invoke("--db", db, "runs", "show", run.name)
    assert shown.exit_code == 0, shown.output
    assert f"dvc md5:{md5[:15]}" in shown.output
    prov = invoke("--db", db, "provenance", f"execution:{run.id}")
    assert prov.exit_code == 0, prov.output
    assert f"dvc md5:{md5[:15]}" in prov.output


def test_a_new_dvc_add_is_a_new_version_and_diff_names_it(dvc_repo: Path, db: str) -> None:
    data = dvc_repo / "train.csv"
    data.write_text("a,b\n1,2\n")
    dvc("add", "-q", "train.csv", cwd=dvc_repo)
    first = record_input(db, data)
    again = record_input(db, data)  # same DVC version: the same artifact
    assert artifact_props(db, first)["_id"] == artifact_props(db, again)["_id"]
    data.write_text("a,b\n1,2\n5,6\n")
    dvc("add", "-q", "train.csv", cwd=dvc_repo)
    second = record_input(db, data)
    a, b = artifact_props(db, first), artifact_props(db, second)
    assert a["_id"] != b["_id"]
    assert (a["version"], b["version"]) == (1, 2)
    result = invoke("--db", db, "diff", f"execution:{first.id}", f"execution:{second.id}")
    assert result.exit_code == 0, result.output
    assert "fingerprint (dvc)" in result.output
    assert a["dvc.hash"][:12] in result.output
    assert b["dvc.hash"][:12] in result.output


def test_dvc_data_edited_after_add_is_hashed_not_trusted(dvc_repo: Path, db: str) -> None:
    data = dvc_repo / "train.csv"
    data.write_text("a,b\n1,2\n")
    dvc("add", "-q", "train.csv", cwd=dvc_repo)
    data.write_text("a,b\n1,2\n3,4\n")  # not re-added: DVC's record is stale
    props = artifact_props(db, record_input(db, data))
    assert "version_source" not in props
    assert props["fingerprint"] == "sha256:" + hashlib.sha256(data.read_bytes()).hexdigest()


def test_dvc_lock_stage_outputs_and_directories(dvc_repo: Path, db: str) -> None:
    (dvc_repo / "raw").mkdir()
    (dvc_repo / "raw" / "a.txt").write_text("a\n")
    (dvc_repo / "raw" / "b.txt").write_text("b\n")
    dvc("add", "-q", "raw", cwd=dvc_repo)
    dvc(
        "stage",
        "add",
        "-q",
        "-n",
        "prep",
        "-d",
        "raw",
        "-o",
        "features.csv",
        f"{sys.executable} -c \"open('features.csv','w').write('f\\n1\\n')\"",
        cwd=dvc_repo,
    )
    dvc("repro", "-q", cwd=dvc_repo)
    assert (dvc_repo / "dvc.lock").exists()
    props = artifact_props(db, record_input(db, dvc_repo / "features.csv"))
    assert props["version_source"] == "dvc"
    assert props["dvc.stage"] == "prep"
    assert props["dvc.file"] == "dvc.lock"
    assert props["dvc.role"] == "out"
    raw = artifact_props(db, record_input(db, dvc_repo / "raw"))
    assert raw["dvc.hash"].endswith(".dir")
    assert raw["dvc.nfiles"] == 2
    assert raw["file_count"] == 2


def test_a_dvc_tracked_path_that_is_not_checked_out_is_recorded(dvc_repo: Path, db: str) -> None:
    data = dvc_repo / "big.bin"
    data.write_bytes(b"\0" * 4096)
    dvc("add", "-q", "big.bin", cwd=dvc_repo)
    data.unlink()  # as after a clone without `dvc pull`
    props = artifact_props(db, record_input(db, data))
    assert props["dvc.checked_out"] is False
    assert props["size_bytes"] == 4096


def test_dvc_remote_credentials_are_never_recorded(dvc_repo: Path, db: str) -> None:
    config = dvc_repo / ".dvc" / "config"
    config.write_text(
        "[core]\n    remote = web\n"
        "['remote \"web\"']\n    url = https://alice:s3cret-pw@dvc.example.com/store\n"
        "    password = other-s3cret\n"
    )
    data = dvc_repo / "train.csv"
    data.write_text("x\n")
    dvc("add", "-q", "train.csv", cwd=dvc_repo)
    config.write_text(  # dvc add may rewrite the config: put the credentials back
        "[core]\n    remote = web\n"
        "['remote \"web\"']\n    url = https://alice:s3cret-pw@dvc.example.com/store\n"
        "    password = other-s3cret\n"
    )
    run = record_input(db, data)
    props = artifact_props(db, run)
    assert props["dvc.remote_url"] == "https://dvc.example.com/store"
    dumped = invoke("--db", db, "runs", "show", run.name, "--json").output
    assert "s3cret" not in dumped
    assert "s3cret" not in repr(props)


# --------------------------------------------------------------------------------- Git LFS
@pytest.fixture
def lfs_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "lfs"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("lfs", "install", "--local", cwd=repo)
    git("lfs", "track", "*.bin", cwd=repo)
    (repo / "weights.bin").write_bytes(os.urandom(3000))
    (repo / "notes.txt").write_text("plain git file\n")
    git("add", ".", cwd=repo)
    git("commit", "-qm", "weights", cwd=repo)
    return repo


def test_a_checked_out_lfs_file_is_recorded_by_its_oid(lfs_repo: Path, db: str) -> None:
    data = lfs_repo / "weights.bin"
    oid = hashlib.sha256(data.read_bytes()).hexdigest()
    assert oid in git("lfs", "ls-files", "-l", cwd=lfs_repo)
    run = record_input(db, data)
    props = artifact_props(db, run)
    assert props["version_source"] == "git-lfs"
    assert props["lfs.oid"] == f"sha256:{oid}"
    assert props["lfs.size"] == 3000
    assert props["lfs.pointer"] is False
    # The LFS oid is the sha256 of the bytes: the same identity lineage's own hashing gives.
    assert props["_external_id"] == f"sha256:{oid}"
    shown = invoke("--db", db, "runs", "show", run.name).output
    assert f"git-lfs sha256:{oid[:12]}" in shown
    plain = artifact_props(db, record_input(db, lfs_repo / "notes.txt"))
    assert "version_source" not in plain  # not an LFS file


def test_an_lfs_pointer_and_an_edited_lfs_file(lfs_repo: Path, tmp_path: Path, db: str) -> None:
    clone = tmp_path / "clone"
    git("clone", "-q", str(lfs_repo), str(clone), cwd=tmp_path, env={"GIT_LFS_SKIP_SMUDGE": "1"})
    pointer = clone / "weights.bin"
    assert pointer.stat().st_size < 200  # a pointer, not the 3000 bytes
    oid = hashlib.sha256((lfs_repo / "weights.bin").read_bytes()).hexdigest()
    props = artifact_props(db, record_input(db, pointer))
    assert props["lfs.oid"] == f"sha256:{oid}"
    assert props["lfs.pointer"] is True
    assert props["size_bytes"] == 3000
    edited = lfs_repo / "weights.bin"
    edited.write_bytes(os.urandom(3000))  # same size, new bytes: the index no longer matches
    props = artifact_props(db, record_input(db, edited))
    assert "version_source" not in props
    assert props["fingerprint"] == "sha256:" + hashlib.sha256(edited.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ Delta Lake
def test_delta_table_versions(tmp_path: Path, db: str) -> None:
    deltalake = framework("deltalake")
    pd = framework("pandas")
    table = tmp_path / "events"
    deltalake.write_deltalake(str(table), pd.DataFrame({"x": [1, 2]}))
    deltalake.write_deltalake(str(table), pd.DataFrame({"x": [3]}), mode="append")
    latest = artifact_props(db, record_input(db, table))
    assert latest["version_source"] == "delta"
    assert latest["delta.version"] == 1
    assert latest["delta.operation"] == "WRITE"
    assert latest["_name"] == "events@v1"
    table_id = deltalake.DeltaTable(str(table)).metadata().id
    assert latest["delta.table_id"] == table_id
    assert latest["_external_id"] == f"delta:{table_id}@v1"
    old = deltalake.DeltaTable(str(table), version=0)
    assert old.to_pandas()["x"].tolist() == [1, 2]
    run = record_input(db, old)  # reading version 0 records version 0
    first = artifact_props(db, run)
    assert first["delta.version"] == 0
    assert first["_external_id"] == f"delta:{table_id}@v0"
    shown = invoke("--db", db, "runs", "show", run.name).output
    assert "delta delta:" in shown


# ---------------------------------------------------------------------- Hugging Face datasets
def test_hugging_face_datasets(tmp_path: Path, db: str) -> None:
    datasets = framework("datasets")
    csv = tmp_path / "reviews.csv"
    csv.write_text("text,label\ngood,1\nbad,0\nfine,1\n")
    loaded = datasets.load_dataset("csv", data_files=str(csv), cache_dir=str(tmp_path / "cache"))
    train = loaded["train"]
    run = record_input(db, train)
    props = artifact_props(db, run)
    assert props["version_source"] == "huggingface"
    assert props["hf.fingerprint"] == train._fingerprint
    assert props["hf.builder"] == "csv"
    assert props["hf.split"] == "train"
    assert props["hf.num_rows"] == 3
    assert props["_external_id"] == f"hf:{train._fingerprint}"
    shown = invoke("--db", db, "runs", "show", run.name).output
    assert "huggingface hf:" in shown
    again = artifact_props(db, record_input(db, train))
    assert again["_id"] == props["_id"]
    filtered = train.filter(lambda row: row["label"] == 1)  # a new fingerprint: new data
    other = artifact_props(db, record_input(db, filtered))
    assert other["hf.fingerprint"] == filtered._fingerprint != train._fingerprint
    both = artifact_props(db, record_input(db, loaded))
    assert both["hf.splits"] == "train"
    assert train._fingerprint in both["hf.fingerprints"]


# ----------------------------------------------------------------------- DVC pipeline import
def test_import_pipeline_records_dvc_stages_joined_by_their_data(dvc_repo: Path, db: str) -> None:
    (dvc_repo / "raw.csv").write_text("x\n1\n2\n")
    dvc("add", "-q", "raw.csv", cwd=dvc_repo)
    (dvc_repo / "params.yaml").write_text("train:\n  lr: 0.1\n  epochs: 3\n")
    py = sys.executable
    dvc(
        "stage", "add", "-q", "-n", "prep", "-d", "raw.csv", "-o", "features.csv",
        f"{py} -c \"open('features.csv','w').write(open('raw.csv').read()*2)\"",
        cwd=dvc_repo,
    )  # fmt: skip
    dvc(
        "stage", "add", "-q", "-n", "train", "-d", "features.csv", "-p", "train.lr",
        "-o", "model.txt",
        f"{py} -c \"open('model.txt','w').write('w=0.5')\"",
        cwd=dvc_repo,
    )  # fmt: skip
    dvc("repro", "-q", cwd=dvc_repo)
    stages = lineage.dvc.import_pipeline(dvc_repo / "dvc.lock", store=db)
    assert [(s.stage, s.created) for s in stages] == [("prep", True), ("train", True)]
    train = stages[1]
    shown = invoke("--db", db, "runs", "show", train.run_name)
    assert shown.exit_code == 0, shown.output
    assert "train.lr" in shown.output
    assert "0.1" in shown.output
    assert "model.txt" in shown.output
    assert "features.csv" in shown.output
    assert "open('model.txt'" in shown.output  # the stage's command, as code.command
    prov = invoke("--db", db, "provenance", f"execution:{train.execution_id}")
    assert prov.exit_code == 0, prov.output
    assert "prep" in prov.output
    assert "raw.csv" in prov.output
    assert lineage.dvc.import_pipeline(dvc_repo, store=db) == [
        lineage.integrations.dvc.ImportedStage(s.stage, s.run_name, s.execution_id, False)
        for s in stages
    ]
    (dvc_repo / "params.yaml").write_text("train:\n  lr: 0.01\n  epochs: 3\n")
    dvc("repro", "-q", cwd=dvc_repo)
    again = lineage.dvc.import_pipeline(dvc_repo / "dvc.yaml", store=db)
    assert [(s.stage, s.created) for s in again] == [("prep", False), ("train", True)]
    result = invoke(
        "--db", db, "diff", f"execution:{train.execution_id}", f"execution:{again[1].execution_id}"
    )
    assert "train.lr" in result.output
    assert "0.01" in result.output


def test_import_pipeline_without_a_lock_names_the_path(tmp_path: Path, db: str) -> None:
    with pytest.raises(lineage.errors.InvalidArgumentError, match="no dvc.lock"):
        lineage.dvc.import_pipeline(tmp_path, store=db)


def test_lineage_import_dvc_command(dvc_repo: Path, db: str) -> None:
    (dvc_repo / "raw.csv").write_text("x\n1\n")
    dvc("add", "-q", "raw.csv", cwd=dvc_repo)
    dvc(
        "stage", "add", "-q", "-n", "copy", "-d", "raw.csv", "-o", "copy.csv",
        f"{sys.executable} -c \"open('copy.csv','w').write(open('raw.csv').read())\"",
        cwd=dvc_repo,
    )  # fmt: skip
    dvc("repro", "-q", cwd=dvc_repo)
    first = invoke("--db", db, "import", "dvc", str(dvc_repo / "dvc.lock"))
    assert first.exit_code == 0, first.output
    assert "copy@" in first.output
    assert "new" in first.output
    again = invoke("--db", db, "import", "dvc", str(dvc_repo))
    assert "before" in again.output
    assert "new" not in again.output
    missing = invoke("--db", db, "import", "dvc", str(dvc_repo / "raw.csv"))
    assert missing.exit_code != 0
    assert "is not a dvc.lock" in missing.output
