"""``MetadataStore.method(store, ...)`` on a remote store calls the remote method.

ml-metadata code sometimes calls a store method through the class
(``mlmd.MetadataStore.put_artifact_type(store, ...)``, as ml-metadata's own test file does).
With ml-metadata that is the same as ``store.put_artifact_type(...)``; with lineage the class is
``MetadataStore`` and a store opened on a server is a ``RemoteMetadataStore``, whose methods
override the local ones. :func:`dispatch_through_class` makes each overridden method of
``MetadataStore`` forward to the remote override when its ``self`` is a remote store, so both
call forms do the same thing. Local stores pay one ``isinstance`` per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def _forwarding(name: str, local: Callable[..., Any], remote_class: type) -> Callable[..., Any]:
    remote = remote_class.__dict__[name]

    @functools.wraps(local)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, remote_class):
            return remote(self, *args, **kwargs)
        return local(self, *args, **kwargs)

    return method


def dispatch_through_class(base: type, remote_class: type) -> None:
    """Make ``base.name(remote_store, ...)`` run ``remote_class.name`` for each public override."""
    for name, value in list(remote_class.__dict__.items()):
        if name.startswith("_") or not callable(value):
            continue
        local = getattr(base, name, None)
        if local is None or not callable(local) or isinstance(local, (staticmethod, classmethod)):
            continue
        if getattr(local, "__wrapped__", None) is not None:
            continue  # already forwarding
        setattr(base, name, _forwarding(name, local, remote_class))
