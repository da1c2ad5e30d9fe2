"""Erasure of personal data with lineage kept provable: plans, application and receipts.

``plan(store, targets)`` finds what must change: the target artifacts and everything derived
from them downstream, each with an action — ``tombstone`` (the node and its events stay so the
lineage stays connected; its URI, identifying name and properties are scrubbed, its state
becomes DELETED and it is marked with the erasure id and time), ``delete`` (when asked for), or
``review`` (a model trained on erased data: retrain it, or record a justification) — and
``keep`` for the executions and other nodes on the way, listed so the plan shows the whole
picture. A plan is data: print it, save it as JSON, review it, then ``apply(store, plan)``.

``apply`` runs in one transaction, is idempotent (applying the same plan twice changes nothing
more), and refuses to run when the store changed under the plan in a way that matters (a planned
node changed, or new nodes appeared downstream of the targets). It records a receipt in the store
(an execution of type ``Erasure`` linked to every node it touched, with who, when, why and the
sha256 of what was removed from each node) and returns it as a :class:`Receipt` (JSON, Markdown).
"""

from __future__ import annotations

from lineage.erasure._apply import Receipt, apply
from lineage.erasure._plan import Action, Plan, Target, plan, target_artifacts

__all__ = ["Action", "Plan", "Receipt", "Target", "apply", "plan", "target_artifacts"]
