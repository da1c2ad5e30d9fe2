# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A regression hunt, an audit dossier and an erasure
#
# A model got worse between two training runs. This notebook finds out why with `lineage.diff`,
# writes the audit dossier of the model (what an auditor asks for: data, code, parameters,
# environment, who ran what and when, metrics, erasures), and then handles a patient's request
# to have their data erased: plan, review, apply, receipt, and the GDPR report that shows where
# the data went and what happened to it.
#
# The runs are recorded in `$LINEAGE_DB` (else `./lineage.db`); only lineage's public API is used.

# %%
import csv
import json
import pickle
from pathlib import Path

import numpy as np
from IPython.display import Markdown, display
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lineage
from lineage import conventions
from lineage.proto import Artifact

# %% [markdown]
# ## The data: one row per patient
#
# scikit-learn ships the Wisconsin breast cancer data set; we give every row a patient id and
# write it as the clinic's monthly extract, `data/patients.csv`.

# %%
DATA = Path("data") / "patients.csv"
DATA.parent.mkdir(exist_ok=True)
bunch = load_breast_cancer()
PATIENTS = [f"patient-{i:04d}" for i in range(len(bunch.target))]


def write_extract(labels):
    with DATA.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["patient_id", *bunch.feature_names, "diagnosis"])
        for pid, row, label in zip(PATIENTS, bunch.data.tolist(), labels):
            writer.writerow([pid, *row, int(label)])


write_extract(bunch.target)
print(f"{DATA}: {DATA.stat().st_size:,} bytes, {len(PATIENTS)} patients")


# %% [markdown]
# ## A training step that records its run
#
# `lineage.run` records the parameters, the input file by content hash (a changed file is a new
# version of the same path), the code, the environment, the metrics and the model file.


# %%
def train(params):
    with lineage.run(
        "train", params=params, inputs={"data": DATA}, experiment="diagnosis", kind="train"
    ) as run:
        rows = np.genfromtxt(DATA, delimiter=",", skip_header=1)[:, 1:]
        # Hold out 30% and score against the confirmed diagnoses (what the clinic cares about).
        x_train, x_test, y_train, _, _, confirmed = train_test_split(
            rows[:, :-1], rows[:, -1], bunch.target, test_size=0.3, random_state=0
        )
        model = make_pipeline(StandardScaler(), LogisticRegression(C=params["C"], max_iter=500))
        model.fit(x_train, y_train)
        run.log_metric("auc", roc_auc_score(confirmed, model.predict_proba(x_test)[:, 1]))
        path = Path("models") / f"diagnosis-{params['C']}.pkl"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(pickle.dumps(model))
        run.output(path, type="Model", name="model")
    return run


first = train({"C": 1.0})

# %% [markdown]
# Next month the extract is regenerated, and a bug in the export marks every tumour with a mean
# radius above 15 as benign. Someone also lowers the regularisation parameter `C`. The model is
# retrained:

# %%
write_extract(np.where(bunch.data[:, 0] > 15, 1, bunch.target))
second = train({"C": 0.01})
for run in (first, second):
    print(run.name, run.state, "auc", round(run.info().metrics["auc"], 3))

# %% [markdown]
# ## The regression hunt
#
# `lineage.diff` lines up the two models' ancestries step by step and lists what changed: the
# data (the same path, another version with another fingerprint), the parameters, the code and
# the packages.

# %%
store = second.store
model_a, model_b = first.outputs[0].id, second.outputs[0].id
d = lineage.diff(store, model_a, model_b)
display(Markdown("\n".join(d.to_markdown().splitlines()[1:])))

# %%
print("first divergence:", d.divergence.type, d.divergence.status)
for change in (*d.data, *d.parameters):
    print(change.describe())

# %% [markdown]
# Both the training data and `C` changed. The data is the suspect: same path, new version, new
# fingerprint (the export bug); the dossier below records both for the auditor.
#
# ## The audit dossier
#
# `lineage.audit` gathers everything about a model into one document. It shows itself in the
# notebook; `to_html()` writes one self-contained page (the diagram inline, no network),
# `to_markdown()` Markdown with a Mermaid diagram, and `to_json()` canonical JSON carrying a
# sha256, so a stored copy can be checked later.

# %%
dossier = lineage.audit(store, model_b)
dossier

# %%
Path("dossier.html").write_text(dossier.to_html(), encoding="utf-8")
Path("dossier.json").write_text(dossier.to_json(indent=2), encoding="utf-8")
stored = Path("dossier.json").read_text(encoding="utf-8")
print("verifies:", lineage.verify_report(stored))
tampered = json.loads(stored)
tampered["steps"][0]["user"] = "someone else"
print("verifies after an edit:", lineage.verify_report(tampered))

# %% [markdown]
# ## A patient asks to be forgotten
#
# The extracts hold patient-0042's records. We record that on both versions of the data set
# (`subject.<id>` and `pii`, see `lineage.conventions`): any MLMD client could do the same.

# %%
SUBJECT = PATIENTS[42]
extracts = sorted({run.inputs[0].id for run in (first, second)})
tags = {conventions.SUBJECT_PREFIX + SUBJECT: True, conventions.PII: True}
updates = []
for artifact_id in extracts:
    update = Artifact(id=artifact_id)
    for name, value in tags.items():
        update.custom_properties[name].bool_value = value
    updates.append(update)
_ = store.put_artifacts(updates, field_mask_paths=[f"custom_properties.{n}" for n in tags])

# %% [markdown]
# Before erasing anything, the GDPR report shows where the patient's data went:

# %%
lineage.gdpr_report(store, f"subject:{SUBJECT}")

# %% [markdown]
# ### Plan, review, apply
#
# A plan lists every node reached from the patient's data and what will happen to it: the
# extracts are tombstoned (their URI, name and properties are scrubbed; the record and its
# events stay, so the lineage stays provable), the models trained on them are marked for review
# (retrain, or record why they may stay), and the steps on the way are kept. A plan is data:
# save it, have it reviewed, then apply it.

# %%
plan = lineage.erasure.plan(
    store, f"subject:{SUBJECT}", reason="GDPR art. 17 request #2026-0042", requested_by="dpo"
)
print(plan)
plan.save("erasure-plan.json")

# %%
receipt = lineage.erasure.apply(store, lineage.erasure.Plan.load("erasure-plan.json"))
display(Markdown(receipt.to_markdown()))

# %% [markdown]
# Applying the same plan again changes nothing (`already_applied`), and the receipt in the store
# names the patient only by a hash:

# %%
print(lineage.erasure.apply(store, plan).already_applied)

# %% [markdown]
# ### The GDPR report after the erasure
#
# The patient's tags went with the tombstones; the report finds the erased records through the
# receipts, which name the subject by hash, and shows the status of each artifact.

# %%
report = lineage.gdpr_report(store, f"subject:{SUBJECT}")
report

# %%
print(report.counts)
assert report.counts["active"] == 0

# %% [markdown]
# The audit dossier of the model now lists the erasure that affected it:

# %%
after = lineage.audit(store, model_b)
print(after.model.erasure)
for r in after.erasures.receipts:
    print(r.key, r.erasure_id, r.reason, "->", r.action_on(after.model.key))

# %% [markdown]
# The store no longer holds the patient's data, but the file `data/patients.csv` does: deleting
# or rewriting the data files themselves is up to whoever owns that storage. The same from a
# terminal:
#
# ```sh
# lineage report audit Model:<name> --format html -o dossier.html
# lineage erase plan subject:patient-0042 --reason "GDPR art. 17 #2026-0042" -o plan.json
# lineage erase apply plan.json
# lineage report gdpr subject:patient-0042 -o report.md
# lineage report verify dossier.json
# ```
