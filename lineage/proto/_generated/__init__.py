"""Generated protobuf modules. Do not edit; import them through ``lineage.proto``.

Regenerate with ``make protos`` (``scripts/gen_protos.py``) after editing ``schemas/*.proto``.
"""
