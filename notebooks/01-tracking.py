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
# # Recording runs and comparing them
#
# `lineage.run` records a training run in a few lines: its parameters, its input data (by
# content hash), the code (git commit, notebook hash), the Python environment, the metrics and
# the model it wrote. Everything lands in an ML Metadata (MLMD) store: `$LINEAGE_DB`, else
# `./lineage.db`.
#
# This notebook trains two small scikit-learn models on the breast cancer data set that
# scikit-learn ships, records both runs and compares them.

# %%
import csv
import pickle
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lineage

# %% [markdown]
# ## The data: a real file
#
# Inputs are recorded by content: the CSV becomes a `Dataset` artifact whose external id is the
# sha256 of its bytes, so every run that reads the same bytes points at the same artifact.

# %%
data_dir = Path("data")
data_dir.mkdir(exist_ok=True)
DATA = data_dir / "breast_cancer.csv"
bunch = load_breast_cancer()
with DATA.open("w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow([*bunch.feature_names, "target"])
    writer.writerows(np.column_stack([bunch.data, bunch.target]).tolist())
print(f"{DATA}: {DATA.stat().st_size:,} bytes")


# %% [markdown]
# ## A training function that records its run
#
# `lineage.run(...)` is a context manager: the run is `RUNNING` in the store while the body
# executes and ends `COMPLETE` (or `FAILED`, with the exception, if the body raises).
# `run.log_metric` records metrics (with `step=`, a series) and `run.output` the files the run
# wrote.


# %%
def load(path, seed):
    rows = np.loadtxt(path, delimiter=",", skiprows=1)
    return train_test_split(rows[:, :-1], rows[:, -1], test_size=0.25, random_state=seed)


def train(name, params):
    with lineage.run(
        "train",
        params={"model": name, **params},
        inputs={"data": DATA},
        experiment="breast-cancer",
        tags=[name],
        kind="train",
    ) as run:
        x_train, x_test, y_train, y_test = load(DATA, params["seed"])
        if name == "sgd":
            model = make_pipeline(
                StandardScaler(),
                SGDClassifier(loss="log_loss", alpha=params["alpha"], random_state=params["seed"]),
            )
            model[0].fit(x_train)
            scaled_train, scaled_test = model[0].transform(x_train), model[0].transform(x_test)
            for epoch in range(params["epochs"]):
                model[1].partial_fit(scaled_train, y_train, classes=[0.0, 1.0])
                proba = model[1].predict_proba(scaled_test)[:, 1]
                run.log_metric("val_auc", roc_auc_score(y_test, proba), step=epoch)
        else:
            model = RandomForestClassifier(
                n_estimators=params["trees"], max_depth=params["depth"], random_state=params["seed"]
            )
            model.fit(x_train, y_train)
        proba = model.predict_proba(x_test)[:, 1]
        run.log_metric("auc", roc_auc_score(y_test, proba))
        run.log_metric("accuracy", accuracy_score(y_test, proba > 0.5))
        path = Path("models") / f"{name}.pkl"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(pickle.dumps(model))
        run.output(path, type="Model", name="model")
    return run


# %% [markdown]
# ## Two runs

# %%
sgd = train("sgd", {"alpha": 1e-3, "epochs": 15, "seed": 0})
forest = train("forest", {"trees": 100, "depth": 4, "seed": 0})
for run in (sgd, forest):
    print(run.name, run.state, [f"{o.type} {o.fingerprint[:19]}" for o in run.outputs])

# %% [markdown]
# Both runs read the same bytes, so they share one `Dataset` artifact:

# %%
assert sgd.inputs[0].id == forest.inputs[0].id
sgd.inputs[0]

# %% [markdown]
# ## What differs between the two runs?
#
# `lineage.compare` lines up parameters, metrics, code, data fingerprints and package versions
# and keeps what differs (metrics are always shown). In a notebook it renders as Markdown;
# `to_table()` gives a rich table for the terminal and `to_json()` machine-readable output.

# %%
comparison = lineage.compare(sgd.store, [sgd, forest])
comparison

# %%
comparison.metrics

# %%
comparison.params

# %% [markdown]
# ## Reading a run back
#
# `run.info()` returns everything the store holds about a run, including metric series.

# %%
info = sgd.info()
print(info.state, info.experiments, info.tags)
print("val_auc by epoch:", [round(v, 3) for v in info.series["val_auc"].values])
print("environment:", info.environment.python_version, len(info.environment.packages), "packages")

# %% [markdown]
# The same from a terminal:
#
# ```sh
# lineage runs ls --experiment breast-cancer
# lineage runs show <run name>
# lineage runs compare <run A> <run B> --markdown
# lineage tag <run name> promoted
# ```
