"""Both MySQL drivers, mysqlclient (``MySQLdb``) and PyMySQL, store and read the same data.

The rest of the suite runs MySQL on the driver of ``LINEAGE_TEST_MYSQL_URL`` (mysqlclient by
default); here every test runs on each driver against the same server database. A driver that
cannot be imported fails in CI and is skipped elsewhere, like an unreachable server.

D13: ml-metadata sends UTF-8 bytes over a latin1 connection, so a utf8mb4 column holds every
byte of the UTF-8 text as one latin1 character. Both drivers must store exactly those bytes
(``stored_like_mlmd``) and read them back as the original text, whichever driver wrote them;
tests/compat/test_mysql_drivers_mlmd.py checks the same bytes against ml-metadata itself.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import lineage
from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _config
from lineage.store._config import target_from
from tests.conftest import fresh_url, server_database, unreachable
from tests.store.helpers import EVERY_KIND

MODULES = {"mysqldb": "MySQLdb", "pymysql": "pymysql"}
DRIVERS = [pytest.param(d, id=d, marks=pytest.mark.mysql) for d in MODULES]

#: Text that takes each path through a latin1 connection: 'Á' is C3 81 and MariaDB's latin1
#: has no character at 0x81 (nor 0x8D, 0x8F, 0x90, 0x9D, all in the fifth string); '€' and the
#: quotes use cp1252's punctuation at 0x80-0x9F; the unicorn is 4 bytes; the last one holds
#: every character that the drivers escape.
TEXTS = [
    "Á",
    "€ “quoted” – dash",
    "🦄 unicorn",
    "naïve 数据 ß",
    "\x81\x8d\x8f\x90\x9d",
    "o'b\\\"\n%_",
]
# Bytes that MariaDB's latin1 reads as the C1 control character of the same number.
_LATIN1_CONTROLS = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def require(driver: str) -> None:
    """Fail in CI, skip elsewhere, when the driver's module cannot be imported."""
    try:
        importlib.import_module(MODULES[driver])
    except ImportError as exc:
        unreachable("mysql", exc)


def url_for(driver: str, tmp_path: Path) -> str:
    """The session's (emptied) MySQL test database, reached through ``driver``."""
    require(driver)
    base = sa.make_url(fresh_url("mysql", tmp_path))
    return base.set(drivername=f"mysql+{driver}").render_as_string(hide_password=False)


@pytest.fixture(params=DRIVERS)
def driver(request: Any) -> str:
    return str(request.param)


@pytest.fixture
def driver_store(driver: str, tmp_path: Path) -> Any:
    store = lineage.MetadataStore(url_for(driver, tmp_path))
    yield store
    store.close()


def stored_like_mlmd(text: str) -> str:
    """Hex of what a utf8mb4 column holds when ml-metadata writes ``text``.

    Each UTF-8 byte arrives as one latin1 (cp1252) character and is stored as that character's
    UTF-8 encoding.
    """
    chars = (
        chr(b) if b in _LATIN1_CONTROLS else bytes([b]).decode("cp1252") for b in text.encode()
    )
    return "".join(chars).encode().hex().upper()


def raw_hex(sql: str) -> list[str]:
    """``HEX(...)`` values read straight from the test database (plain ASCII on any wire)."""
    with server_database("mysql").engine.connect() as conn:
        return [str(r[0]) for r in conn.exec_driver_sql(sql)]


# --------------------------------------------------------------------------- choosing a driver
def test_urls_without_a_driver_use_mysqlclient_when_it_imports(monkeypatch: Any) -> None:
    _config.mysql_driver.cache_clear()
    try:
        importlib.import_module("MySQLdb")
        expected = "mysql+mysqldb"
    except ImportError:
        expected = "mysql+pymysql"
    try:
        for scheme in ("mysql", "mariadb"):
            target = target_from(f"{scheme}://u@db.example:3306/mlmd")
            assert target.url.drivername == expected
            assert target.dialect == "mysql"
        config = pb.ConnectionConfig()
        config.mysql.host, config.mysql.database = "db.example", "mlmd"
        assert target_from(config).url.drivername == expected

        monkeypatch.setitem(sys.modules, "MySQLdb", None)  # import fails
        _config.mysql_driver.cache_clear()
        assert target_from("mysql://u@db.example/mlmd").url.drivername == "mysql+pymysql"
        assert target_from(config).url.drivername == "mysql+pymysql"
    finally:
        _config.mysql_driver.cache_clear()


def test_an_explicit_driver_is_kept_and_others_are_refused() -> None:
    for driver in ("mysql+pymysql", "mysql+mysqldb", "mariadb+pymysql"):
        assert target_from(f"{driver}://u@h/db").url.drivername == driver
    with pytest.raises(errors.ConfigurationError, match="Unsupported MySQL driver") as raised:
        target_from("mysql+mysqlconnector://u:secret@h/db")
    assert "'mysqlconnector' in 'mysql+mysqlconnector://u:***@h/db'" in str(raised.value)


def test_ssl_options_become_each_drivers_arguments(monkeypatch: Any) -> None:
    config = pb.ConnectionConfig()
    config.mysql.host, config.mysql.database = "db.example", "mlmd"
    config.mysql.ssl_options.ca = "/etc/ca.pem"
    config.mysql.ssl_options.verify_server_cert = True
    monkeypatch.setattr(_config, "mysql_driver", lambda: "mysql+pymysql")
    assert target_from(config).connect_args == {
        "ssl": {"ca": "/etc/ca.pem"},
        "ssl_verify_cert": True,
    }
    monkeypatch.setattr(_config, "mysql_driver", lambda: "mysql+mysqldb")
    assert target_from(config).connect_args == {
        "ssl": {"ca": "/etc/ca.pem"},
        "ssl_mode": "VERIFY_IDENTITY",
    }


def test_a_driver_that_is_not_installed_is_a_configuration_error(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    with pytest.raises(errors.ConfigurationError, match="needs the mysqlclient package"):
        lineage.MetadataStore("mysql+mysqldb://root@127.0.0.1:1/nowhere")


# --------------------------------------------------------------------------- put and get
def test_every_node_kind_with_properties_reads_back(driver_store: Any) -> None:
    store = driver_store
    kinds = dict(EVERY_KIND)
    at = store.put_artifact_type(pb.ArtifactType(name="Données", properties=kinds))
    et = store.put_execution_type(pb.ExecutionType(name="Entraînement", properties=kinds))
    ct = store.put_context_type(pb.ContextType(name="Exécution", properties=kinds))

    def fill(node: Any, text: str) -> Any:
        node.properties["i"].int_value = -(2**62)
        node.properties["d"].double_value = 0.1 + 0.2
        node.properties["s"].string_value = text
        node.properties["st"].struct_value.update({"clé": text, "n": [1.5, {"k": True}]})
        node.properties["p"].proto_value.Pack(pb.Artifact(uri=text))
        node.properties["b"].bool_value = True
        node.custom_properties[f"note {text}"].string_value = text
        node.custom_properties["big"].int_value = 2**63 - 1
        return node

    artifacts = [
        fill(pb.Artifact(type_id=at, uri=f"/data/{t}", name=f"a {t}", external_id=f"x {t}"), t)
        for t in TEXTS
    ]
    execution = fill(
        pb.Execution(type_id=et, name="run Á", last_known_state=pb.Execution.COMPLETE), "Á"
    )
    parent = fill(pb.Context(type_id=ct, name="parent 🦄"), "🦄")
    child = fill(pb.Context(type_id=ct, name="child €"), "€")
    event = pb.Event(type=pb.Event.OUTPUT)
    event.path.steps.add().key = "sortie Á"
    event.path.steps.add().index = 3
    pairs = [(artifacts[0], event)] + [(a, None) for a in artifacts[1:]]
    e_id, (a_id, *rest), (p_id, c_id) = store.put_execution(execution, pairs, [parent, child])
    store.put_parent_contexts([pb.ParentContext(child_id=c_id, parent_id=p_id)])

    got = store.get_artifacts_by_id([a_id, *rest])
    assert [a.name for a in got] == [a.name for a in artifacts]
    for mine, theirs in zip(artifacts, got, strict=True):
        assert (theirs.uri, theirs.external_id, theirs.type) == (
            mine.uri,
            mine.external_id,
            "Données",
        )
        assert theirs.properties == mine.properties
        assert theirs.custom_properties == mine.custom_properties
    [e] = store.get_executions_by_id([e_id])
    assert (e.name, e.last_known_state, e.type) == ("run Á", pb.Execution.COMPLETE, "Entraînement")
    assert e.properties == execution.properties
    assert e.custom_properties == execution.custom_properties
    contexts = store.get_contexts_by_id([p_id, c_id])
    assert [c.name for c in contexts] == ["parent 🦄", "child €"]
    assert [c.properties for c in contexts] == [parent.properties, child.properties]
    [ev] = [x for x in store.get_events_by_execution_ids([e_id]) if x.artifact_id == a_id]
    assert ev.type == pb.Event.OUTPUT
    assert [(s.key, s.index) for s in ev.path.steps] == [("sortie Á", 0), ("", 3)]
    assert [c.id for c in store.get_contexts_by_artifact(a_id)] == [p_id, c_id]
    assert [c.id for c in store.get_contexts_by_execution(e_id)] == [p_id, c_id]
    assert [c.name for c in store.get_parent_contexts_by_context(c_id)] == ["parent 🦄"]
    assert [t.name for t in store.get_artifact_types()] == ["Données"]
    assert store.get_execution_type("Entraînement").properties == kinds
    [found] = store.get_artifacts(list_options=lineage.ListOptions(filter_query="name = 'a Á'"))
    assert found.id == a_id


# --------------------------------------------------------------------------- D13
@pytest.mark.parametrize("reader", DRIVERS)
def test_text_written_by_one_driver_reads_back_in_the_other(
    driver: str, reader: str, tmp_path: Path
) -> None:
    """Same bytes on the server as ml-metadata's, and the same text back through either driver."""
    url = url_for(driver, tmp_path)
    writer = lineage.MetadataStore(url)
    try:
        type_id = writer.put_artifact_type(
            pb.ArtifactType(name="Ťype", properties={"p": pb.STRING})
        )
        artifacts = []
        for text in TEXTS:
            a = pb.Artifact(type_id=type_id, name=text, uri=f"/{text}")
            a.properties["p"].string_value = text
            artifacts.append(a)
        ids = writer.put_artifacts(artifacts)
    finally:
        writer.close()

    assert raw_hex("SELECT HEX(name) FROM Artifact ORDER BY id") == [
        stored_like_mlmd(t) for t in TEXTS
    ]
    assert raw_hex("SELECT HEX(string_value) FROM ArtifactProperty ORDER BY artifact_id") == [
        stored_like_mlmd(t) for t in TEXTS
    ]
    assert raw_hex("SELECT HEX(name) FROM Type WHERE name LIKE '%%ype'") == [
        stored_like_mlmd("Ťype")
    ]

    require(reader)
    with lineage.MetadataStore(sa.make_url(url).set(drivername=f"mysql+{reader}")) as store:
        got = store.get_artifacts_by_id(ids)
        assert [(a.name, a.uri, a.properties["p"].string_value, a.type) for a in got] == [
            (t, f"/{t}", t, "Ťype") for t in TEXTS
        ]
        for text in TEXTS:  # the text is also found by its value (bound as a parameter)
            assert store.get_artifact_by_type_and_name("Ťype", text).name == text
            [by_uri] = store.get_artifacts_by_uri(f"/{text}")
            assert by_uri.name == text


def test_stored_like_mlmd_matches_what_was_measured() -> None:
    """The helper agrees with bytes read from MariaDB 10.11 after an ml-metadata write."""
    assert stored_like_mlmd("Á") == "C383C281"
    assert stored_like_mlmd("€") == "C3A2E2809AC2AC"
    assert stored_like_mlmd("🦄") == "C3B0C5B8C2A6E2809E"


# --------------------------------------------------------------------------- errors
def test_a_duplicate_name_is_already_exists_naming_the_field(driver_store: Any) -> None:
    type_id = driver_store.put_artifact_type(pb.ArtifactType(name="Dataset"))
    driver_store.put_artifacts([pb.Artifact(type_id=type_id, name="Álbum")])
    with pytest.raises(errors.AlreadyExistsError, match="Artifact.name 'Álbum' already exists"):
        driver_store.put_artifacts([pb.Artifact(type_id=type_id, name="Álbum")])


def test_a_unique_violation_found_by_the_server_is_already_exists(
    driver_store: Any,
) -> None:
    """Another writer commits the same name between lineage's check and its insert.

    The server's message quotes the name in latin1 with 0x81 escaped, which is not UTF-8:
    mysqlclient could not decode it (and reading its exception crashed the interpreter).
    """
    type_id = driver_store.put_artifact_type(pb.ArtifactType(name="Dataset"))
    other = lineage.MetadataStore(driver_store._target.url)
    failure: list[BaseException] = []

    def put() -> None:
        try:
            driver_store.put_artifacts([pb.Artifact(type_id=type_id, name="Álbum")])
        except BaseException as exc:
            failure.append(exc)

    writer = threading.Thread(target=put)
    try:
        with other.transaction():
            other.put_artifacts([pb.Artifact(type_id=type_id, name="Álbum")])
            # Not committed yet: the writer's check does not see it, its insert waits for it.
            writer.start()
            wait_for_lock_wait()
        writer.join()
    finally:
        other.close()
    [exc] = failure
    assert isinstance(exc, errors.AlreadyExistsError)
    assert "Duplicate entry" in str(exc)
    assert "for key 'UniqueArtifactTypeName'" in str(exc)
    assert [a.name for a in driver_store.get_artifacts()] == ["Álbum"]


def wait_for_lock_wait(timeout: float = 30.0) -> None:
    """Return once a transaction on the test database waits for a row lock (InnoDB's view)."""
    deadline = time.monotonic() + timeout
    with server_database("mysql").engine.connect() as conn:
        while time.monotonic() < deadline:
            # InnoDB refreshes this table only when it was not read for 0.1 s: wait first, or
            # the answer may be the one given to the previous test.
            time.sleep(0.2)
            waiting = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'"
            ).scalar()
            if waiting:
                return
    raise AssertionError("no transaction started waiting for a lock")


def test_a_deadlock_is_retried(driver_store: Any, caplog: Any) -> None:
    """The store's transaction is the deadlock victim; the call retries and succeeds."""
    store = driver_store
    type_id = store.put_artifact_type(pb.ArtifactType(name="D", properties={"n": pb.INT}))
    first, second, ballast = store.put_artifacts(
        [pb.Artifact(type_id=type_id, name=f"a{i}") for i in range(3)]
    )
    heavy = pb.Artifact(id=ballast, type_id=type_id)
    for i in range(300):
        heavy.custom_properties[f"c{i}"].int_value = i
    store.put_artifacts([heavy])

    engine = sa.create_engine(store._target.url, poolclass=sa.pool.NullPool)
    other = engine.raw_connection()
    result: list[Any] = []
    try:
        cur = other.cursor()
        cur.execute("START TRANSACTION")
        # Many changed rows make this transaction the heavier one, so InnoDB picks the store's
        # as the victim when the two deadlock.
        cur.execute(
            "UPDATE ArtifactProperty SET int_value = int_value + 1 WHERE artifact_id = %s",
            (ballast,),
        )
        cur.execute("UPDATE Artifact SET uri = 'other' WHERE id = %s", (second,))

        def put() -> None:
            updates = [pb.Artifact(id=i, type_id=type_id, uri="mine") for i in (first, second)]
            for a in updates:
                a.properties["n"].int_value = 7
            try:
                result.append(store.put_artifacts(updates))
            except BaseException as exc:
                result.append(exc)

        writer = threading.Thread(target=put)
        with caplog.at_level(logging.INFO, logger="lineage.store"):
            writer.start()
            wait_for_lock_wait()  # the store holds `first` and waits for `second`
            cur.execute("UPDATE Artifact SET uri = 'other' WHERE id = %s", (first,))  # deadlock
            other.commit()
            writer.join()
    finally:
        other.close()
        engine.dispose()
    assert result == [[first, second]]
    assert "retrying after a lock conflict" in caplog.text
    got = store.get_artifacts_by_id([first, second])
    assert [(a.uri, a.properties["n"].int_value) for a in got] == [("mine", 7), ("mine", 7)]


def test_a_lost_connection_is_unavailable_then_the_store_reconnects(driver_store: Any) -> None:
    store = driver_store
    store.put_artifact_type(pb.ArtifactType(name="D"))
    with server_database("mysql").engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT id FROM information_schema.processlist "
                "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            )
        ]
        assert ids, "the store has no open connection"
        for i in ids:
            conn.exec_driver_sql(f"KILL {int(i)}")
    with pytest.raises(errors.UnavailableError, match="lost the connection"):
        store.get_artifact_types()
    assert [t.name for t in store.get_artifact_types()] == ["D"]
