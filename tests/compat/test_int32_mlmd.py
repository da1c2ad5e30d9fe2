"""Databases ml-metadata created on MySQL/PostgreSQL keep 32-bit int_value columns: lineage
refuses integers that do not fit, naming the property, instead of a driver error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import ml_metadata
import pytest
import sqlalchemy as sa

import lineage
from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from tests.compat.test_schema_mlmd import _mlmd_config
from tests.conftest import SERVER_URLS, unreachable
from tests.store.helpers import snapshot

pytestmark = pytest.mark.compat


@pytest.fixture(
    params=[
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ]
)
def mlmd_database(request: Any) -> Iterator[Any]:
    kind = request.param
    base = sa.make_url(SERVER_URLS[kind])
    admin_url = (
        base.set(database="postgres") if kind == "postgresql" else base._replace(database=None)
    )
    try:
        admin = sa.create_engine(
            admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        admin.connect().close()
    except Exception as exc:
        unreachable(kind, exc)
    name = f"lineage_i32_{uuid.uuid4().hex[:8]}"
    quote = '"' if kind == "postgresql" else "`"
    try:
        if kind == "postgresql":
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        config = _mlmd_config(kind, name)
        ml_metadata.MetadataStore(config)
        yield config
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
        admin.dispose()


def test_out_of_range_ints_are_refused_by_name(mlmd_database: Any) -> None:
    with lineage.MetadataStore(mlmd_database) as store:
        type_id = store.put_artifact_type(pb.ArtifactType(name="T", properties={"n": pb.INT}))
        ok = pb.Artifact(type_id=type_id)
        ok.properties["n"].int_value = 2**31 - 1
        store.put_artifacts([ok])
        before = snapshot(store)
        big = pb.Artifact(type_id=type_id)
        big.properties["n"].int_value = 2**40
        with pytest.raises(
            errors.InvalidArgumentError, match=r"properties\['n'\]: 1099511627776 does not fit"
        ):
            store.put_artifacts([big])
        assert snapshot(store) == before
