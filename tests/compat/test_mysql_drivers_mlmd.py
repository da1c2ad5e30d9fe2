"""D13 against the real ml-metadata, on each MySQL driver: the same bytes on the server.

ml-metadata writes non-ASCII text (``TEXTS``), lineage writes the same text through mysqlclient
or PyMySQL; the raw bytes of both rows must be equal (and equal to ``stored_like_mlmd``), and
each library must read the other's rows as the original text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ml_metadata
import pytest
import sqlalchemy as sa

import lineage
from lineage.proto import metadata_store_pb2 as pb
from tests.compat.test_roundtrip import fresh_database
from tests.store.test_mysql_drivers import DRIVERS, TEXTS, require, stored_like_mlmd

pytestmark = pytest.mark.compat


def _artifacts(type_id: int, writer: str) -> list[pb.Artifact]:
    out = []
    for text in TEXTS:
        a = pb.Artifact(type_id=type_id, uri=f"/{text}", name=f"{writer} {text}")
        a.properties["p"].string_value = text
        a.custom_properties[f"clé {text}"].string_value = text
        out.append(a)
    return out


def _read(store: Any, ids: list[int]) -> list[tuple[str, str, str, str]]:
    return [
        (a.uri, a.name, a.properties["p"].string_value, dict(a.custom_properties).popitem()[0])
        for a in store.get_artifacts_by_id(ids)
    ]


@pytest.mark.parametrize("driver", DRIVERS)
def test_mlmd_and_lineage_store_the_same_bytes(driver: str, tmp_path: Path) -> None:
    require(driver)
    with fresh_database("mysql", tmp_path) as db:
        theirs = ml_metadata.MetadataStore(db.config)
        type_id = theirs.put_artifact_type(
            pb.ArtifactType(name="Tipo Á", properties={"p": pb.STRING})
        )
        their_ids = list(theirs.put_artifacts(_artifacts(type_id, "mlmd")))
        del theirs

        url = sa.make_url(db.url).set(drivername=f"mysql+{driver}")
        with lineage.MetadataStore(url) as ours:
            our_ids = ours.put_artifacts(_artifacts(type_id, "lineage"))
            # lineage reads what ml-metadata wrote
            assert _read(ours, their_ids) == [(f"/{t}", f"mlmd {t}", t, f"clé {t}") for t in TEXTS]

        engine = sa.create_engine(db.url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            stored = {
                int(r[0]): str(r[1])
                for r in conn.exec_driver_sql("SELECT id, HEX(uri) FROM Artifact")
            }
            values = {
                int(r[0]): str(r[1])
                for r in conn.exec_driver_sql(
                    "SELECT artifact_id, HEX(string_value) FROM ArtifactProperty "
                    "WHERE is_custom_property = 0"
                )
            }
            [type_name] = [
                str(r[0])
                for r in conn.exec_driver_sql("SELECT HEX(name) FROM Type WHERE name LIKE 'Tipo%%'")
            ]
        engine.dispose()
        expected = [stored_like_mlmd(f"/{t}") for t in TEXTS]
        assert [stored[i] for i in their_ids] == expected  # ml-metadata's bytes
        assert [stored[i] for i in our_ids] == expected  # lineage's, the same
        assert [values[i] for i in our_ids] == [values[i] for i in their_ids]
        assert type_name == stored_like_mlmd("Tipo Á")

        # ml-metadata reads what lineage wrote
        theirs = ml_metadata.MetadataStore(db.config)
        assert _read(theirs, our_ids) == [(f"/{t}", f"lineage {t}", t, f"clé {t}") for t in TEXTS]
        del theirs
