"""Turning a run's data into ``put_execution`` pairs, and the ids written back into records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lineage import conventions as cv
from lineage.errors import LineageError
from lineage.proto import Event
from lineage.track.common import ArtifactRecord, Pending, path_text
from lineage.track.environment import Environment
from lineage.track.records import (
    Resolution,
    add_note,
    config_artifact,
    data_artifact,
    environment_artifact,
    event,
    int_value,
    set_tags,
)
from lineage.track.stores import cache_for

__all__ = ["artifact_records", "environment_pair", "link"]


def link(
    pending: Sequence[Pending],
    resolutions: Sequence[Resolution],
    type_ids: Mapping[tuple[str, str], int],
    pairs: list[tuple[Any, Any]],
    placed: list[tuple[Pending | None, Resolution | None]],
    when: int,
) -> None:
    """Append one (artifact, event) pair per distinct content and event type."""
    seen: set[tuple[str, int]] = set()
    for item, resolution in zip(pending, resolutions, strict=True):
        marker = (resolution.key, item.kind)
        if marker in seen:
            continue
        seen.add(marker)
        step = event(item.kind, item.spec.steps, when)
        content = item.content
        if resolution.stored is not None:
            if content.tags or content.notes:
                artifact = type(resolution.stored)()
                artifact.CopyFrom(resolution.stored)
                set_tags(artifact, content.tags)
                if content.notes:
                    add_note(artifact, content.notes)
                pairs.append((artifact, step))
            else:
                step.artifact_id = int(resolution.stored.id)
                pairs.append((None, step))
        else:
            type_id = type_ids[("artifact", content.type_name)]
            if content.config_values is not None:
                artifact = config_artifact(
                    content.fingerprint, content.config_values, type_id, resolution.version
                )
            else:
                artifact = data_artifact(
                    content.fingerprint, type_id, resolution.version, content.tags
                )
                if content.notes:
                    add_note(artifact, content.notes)
            pairs.append((artifact, step))
        placed.append((item, resolution))


def artifact_records(
    pending: Sequence[Pending],
    resolutions: Sequence[Resolution],
    artifact_ids: Sequence[int],
    placed: Sequence[tuple[Pending | None, Resolution | None]],
) -> Iterator[ArtifactRecord]:
    by_key: dict[str, int] = {}
    for (item, resolution), artifact_id in zip(placed, artifact_ids, strict=False):
        if item is not None and resolution is not None:
            by_key[resolution.key] = int(artifact_id)
    for item, resolution in zip(pending, resolutions, strict=True):
        if item.spec.steps and item.spec.steps[0] == cv.EVENT_KEY_CONFIG:
            continue
        stored = resolution.stored
        fp = item.content.fingerprint
        yield ArtifactRecord(
            id=by_key[resolution.key],
            uri=fp.uri,
            type=stored.type if stored is not None and stored.type else item.content.type_name,
            direction="input" if item.kind == Event.INPUT else "output",
            path=path_text(item.spec.steps),
            fingerprint=fp.digest,
            version=(
                int_value(stored.custom_properties[cv.VERSION])
                if stored is not None and cv.VERSION in stored.custom_properties
                else (resolution.version or None)
            ),
            reused=stored is not None,
        )


def environment_pair(
    store: Any, env: Environment, type_ids: Mapping[tuple[str, str], int], when: int
) -> tuple[Any, Any]:
    """The (artifact, event) pair of a run's environment: (None, event) when it is stored."""
    step = event(Event.INPUT, (cv.EVENT_KEY_ENVIRONMENT,), when)
    known = cache_for(store).environments.get(env.digest)
    if known is None:
        try:
            found = store.get_artifacts_by_external_ids([env.external_id])
        except LineageError:
            found = []
        known = int(found[0].id) if found else None
    if known is not None:
        step.artifact_id = known
        return (None, step)
    return (environment_artifact(env, type_ids[("artifact", cv.ENVIRONMENT_TYPE)]), step)
