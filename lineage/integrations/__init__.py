"""One-line recording from the frameworks and tools people already use.

Each module here bridges one framework or tool to :mod:`lineage.track` and imports that
framework only when it is used, so ``import lineage.integrations.<name>`` never fails for a
missing optional extra; the first call that needs the framework raises an ``ImportError``
that names the extra to install. ``lineage.sklearn``, ``lineage.lightning``, ``lineage.keras``,
``lineage.transformers``, ``lineage.xgboost``, ``lineage.lightgbm``, ``lineage.tensorboard``
and ``lineage.dvc`` are these modules. Everything they record is an ordinary MLMD entity
written through :func:`lineage.run` (``docs/tracking.md`` has a section per integration).
"""
