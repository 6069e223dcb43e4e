"""`dataops_defs.storage`: Dagster's SQLite storage with the event log's engines kept, file-compatible."""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

import dagster as dg
import yaml
from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.runs.sqlite import sqlite_run_storage
from dagster._core.storage.sql import get_alembic_config
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

from dataops_defs.storage import DataOpsSqliteStorage, PooledSqliteEventLogStorage, share_migration_scripts
from tests.support.cli import dataops

TINY = """\
name: tiny
nodes:
  - {id: load, module: read_csv, params: {path: customers.csv}}
  - {id: save, module: write_csv, params: {path: out/tiny.csv}}
edges:
  - {from: load, to: save}
"""


def _message(run_id: str, text: str) -> dg.EventLogEntry:
    return dg.EventLogEntry(
        error_info=None, level=logging.INFO, user_message=text, run_id=run_id, timestamp=time.time()
    )


def _messages(storage: SqliteEventLogStorage, run_id: str) -> list[str]:
    return [r.event_log_entry.user_message for r in storage.get_records_for_run(run_id).records]


def _dbapi(storage: PooledSqliteEventLogStorage, shard: str) -> sqlite3.Connection:
    """The SQLite connection a `run_connection(shard)` hands out (back in the pool afterwards)."""
    with storage.run_connection(shard) as connection:
        return connection.connection.dbapi_connection


def _closed(connection: sqlite3.Connection) -> bool:
    try:
        connection.execute("SELECT 1")
    except sqlite3.ProgrammingError as exc:
        assert "closed" in str(exc)
        return True
    return False


def test_the_projects_dagster_yaml_selects_the_pooled_storage(workspace: Path) -> None:
    home = workspace / "dagster_home"
    with dg.DagsterInstance.get() as instance:
        data = instance.get_ref().storage_data
        assert (data.module_name, data.class_name) == ("dataops_defs.storage", "DataOpsSqliteStorage")
        assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
        assert type(instance.run_storage) is SqliteRunStorage
        assert instance.event_log_storage._base_dir == str(home / "history" / "runs")
    # Dagster's layout: runs.db, the event index and one database per run under history/runs.
    assert (home / "history" / "runs.db").is_file()
    assert (home / "history" / "runs" / "index.db").is_file()
    assert (home / "schedules" / "schedules.db").is_file()


def test_a_cli_run_is_read_by_dagsters_own_storages(workspace: Path) -> None:
    (workspace / "flowcharts" / "tiny.yaml").write_text(TINY, encoding="utf-8")
    result = dataops("run", "flowcharts/tiny.yaml", cwd=workspace)
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.splitlines()[0].split()[3]
    home = str(workspace / "dagster_home")
    assert (workspace / "dagster_home" / "history" / "runs" / f"{run_id}.db").is_file()

    stock = DagsterSqliteStorage.from_local(home)
    pooled = DataOpsSqliteStorage.from_local(home)
    plain_events = SqliteEventLogStorage(str(workspace / "dagster_home" / "history" / "runs"))
    try:
        for storage in (stock, pooled):
            (run,) = storage.run_storage.get_runs(dg.RunsFilter(run_ids=[run_id]))
            assert (run.job_name, run.status) == ("tiny", dg.DagsterRunStatus.SUCCESS)

        def events(storage: SqliteEventLogStorage) -> list[tuple[int, str | None]]:
            return [
                (r.storage_id, r.event_log_entry.dagster_event_type)
                for r in storage.get_records_for_run(run_id).records
            ]

        seen = events(pooled.event_log_storage)
        assert seen == events(stock.event_log_storage) == events(plain_events)
        kinds = [kind for _, kind in seen]
        assert (kinds[0], kinds[-1]) == (dg.DagsterEventType.RUN_START, dg.DagsterEventType.RUN_SUCCESS)
        assert kinds.count(dg.DagsterEventType.STEP_SUCCESS) == 2
        # The write_csv node's materialization is in the index shard too, where Dagster looks it up.
        (materialization,) = [
            r.event_log_entry.dagster_event
            for r in plain_events.get_records_for_run(run_id).records
            if r.event_log_entry.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
        ]
        key = materialization.asset_key
        latest = stock.event_log_storage.get_latest_materialization_events([key])[key]
        assert latest is not None and latest.run_id == run_id
        assert run_id in pooled.event_log_storage._engines  # kept for the next read

        # Writes from either side are seen by the other, the kept connection included.
        stock.event_log_storage.store_event(_message(run_id, "written by stock Dagster"))
        assert _messages(pooled.event_log_storage, run_id)[-1] == "written by stock Dagster"
        pooled.event_log_storage.store_event(_message(run_id, "written by the pooled storage"))
        assert _messages(plain_events, run_id)[-2:] == ["written by stock Dagster", "written by the pooled storage"]
    finally:
        for storage in (stock, pooled, plain_events):
            storage.dispose()


def test_one_engine_per_shard_least_recently_used_closed(tmp_path: Path) -> None:
    assert PooledSqliteEventLogStorage.max_shards == 16
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    storage.max_shards = 2
    try:
        assert list(storage._engines) == ["index"]
        a = _dbapi(storage, "a")
        assert _dbapi(storage, "a") is a  # the same engine and pooled connection
        engine_a = storage._engines["a"]
        assert list(storage._engines) == ["index", "a"]

        b = _dbapi(storage, "b")
        assert list(storage._engines) == ["a", "b"]  # the index was least recently used
        assert _dbapi(storage, "a") is a
        assert list(storage._engines) == ["b", "a"]

        c = _dbapi(storage, "c")
        assert list(storage._engines) == ["a", "c"]
        assert _closed(b)  # the evicted engine was disposed
        assert not _closed(a) and not _closed(c)
        assert storage._engines["a"] is engine_a

        storage.store_event(_message("b", "after eviction"))  # a fresh engine for an evicted shard
        assert _messages(storage, "b") == ["after eviction"]
        assert list(storage._engines) == ["c", "b"]
        assert _closed(a)
    finally:
        storage.dispose()
    assert storage._engines == {}
    assert _closed(c)


def test_delete_events_closes_and_forgets_the_runs_connection(tmp_path: Path) -> None:
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    try:
        storage.store_event(_message("doomed", "bye"))
        storage.store_event(_message("kept", "hello"))
        doomed = _dbapi(storage, "doomed")
        kept = _dbapi(storage, "kept")
        storage.delete_events("doomed")
        assert _closed(doomed)
        assert "doomed" not in storage._engines  # not even one Dagster's delete reopened
        assert not _closed(kept)
        assert _messages(storage, "doomed") == []
        assert _messages(storage, "kept") == ["hello"]
    finally:
        storage.dispose()


def test_a_forked_child_opens_its_own_connections(tmp_path: Path) -> None:
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    try:
        storage.store_event(_message("shared", "from the parent"))
        parent = _dbapi(storage, "shared")
        before = list(storage._engines)
        assert before == ["index", "shared"]
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report over the pipe, never return into pytest
            code = 1
            try:
                os.close(read)
                report = {"inherited": list(storage._engines)}
                storage.store_event(_message("shared", "from the child"))
                report["messages"] = _messages(storage, "shared")
                report["engines"] = list(storage._engines)
                report["new_connection"] = _dbapi(storage, "shared") is not parent
                os.write(write, json.dumps(report).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            report = json.loads(pipe.read() or b"null")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert report == {
            "inherited": [],
            "messages": ["from the parent", "from the child"],
            "engines": ["shared"],
            "new_connection": True,
        }
        # The parent's engines and connection are untouched by the child, and see its write.
        assert list(storage._engines) == before
        assert not _closed(parent)
        assert _messages(storage, "shared") == ["from the parent", "from the child"]
        assert _dbapi(storage, "shared") is parent
    finally:
        storage.dispose()


def test_event_storage_data_rebuilds_the_pooled_event_log(tmp_path: Path) -> None:
    storage = DataOpsSqliteStorage.from_local(str(tmp_path))
    try:
        data = storage.event_storage_data
        assert (data.module_name, data.class_name) == ("dataops_defs.storage", "PooledSqliteEventLogStorage")
        # The folder the event log really uses (Dagster's own property names history/, its runs folder).
        assert yaml.safe_load(data.config_yaml) == {"base_dir": f"{tmp_path}/history/runs/"}
        assert storage.event_log_storage._base_dir == str(tmp_path / "history" / "runs")

        rebuilt = data.rehydrate(PooledSqliteEventLogStorage)
        try:
            assert type(rebuilt) is PooledSqliteEventLogStorage
            assert rebuilt.inst_data == data
            assert rebuilt._base_dir == str(tmp_path / "history" / "runs")
            storage.event_log_storage.store_event(_message("r", "one process"))
            assert _messages(rebuilt, "r") == ["one process"]
        finally:
            rebuilt.dispose()
        assert type(data.rehydrate()) is PooledSqliteEventLogStorage  # by module and class name alone
    finally:
        storage.dispose()


def _alembic_config(module_file: str, script_location: str | None = None) -> Config:
    """A new Config like Dagster's (whose `get_alembic_config` hands out cached objects: never change those)."""
    config = Config(str(Path(module_file).parent / "alembic" / "alembic.ini"))
    location = script_location or get_alembic_config(module_file).get_main_option("script_location")
    config.set_main_option("script_location", location)
    return config


def test_share_migration_scripts_reads_each_folder_once(tmp_path: Path) -> None:
    events = ScriptDirectory.from_config(_alembic_config(sqlite_event_log.__file__))
    assert ScriptDirectory.from_config(_alembic_config(sqlite_event_log.__file__)) is events
    assert ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__)) is events
    share_migration_scripts()  # again: still the same cache
    assert ScriptDirectory.from_config(_alembic_config(sqlite_event_log.__file__)) is events
    head = events.get_current_head()
    assert head and head == ScriptDirectory(events.dir).get_current_head()  # Dagster's scripts, as read fresh

    runs = ScriptDirectory.from_config(_alembic_config(sqlite_run_storage.__file__))
    assert runs is not events and runs.dir == events.dir  # keyed by the config file too

    elsewhere = ScriptDirectory.from_config(_alembic_config(sqlite_event_log.__file__, str(tmp_path)))
    assert elsewhere is not events and elsewhere.dir == str(tmp_path)  # and by the script location


def test_dagster_still_has_the_private_api_the_storage_overrides(tmp_path: Path) -> None:
    # `_connect` is a context manager over a generator taking the shard name...
    connect = inspect.getattr_static(SqliteEventLogStorage, "_connect")
    wrapped = getattr(connect, "__wrapped__", None)
    assert wrapped is not None and inspect.isgeneratorfunction(wrapped), "_connect is no longer a @contextmanager"
    assert list(inspect.signature(wrapped).parameters) == ["self", "shard"]
    # ...through which every connection goes...
    assert "self._connect(" in inspect.getsource(SqliteEventLogStorage.run_connection)
    assert "self._connect(" in inspect.getsource(SqliteEventLogStorage.index_connection)
    # ...using the attributes the override uses.
    stock = SqliteEventLogStorage(str(tmp_path / "events"))
    assert isinstance(stock._initialized_dbs, set)
    assert isinstance(stock._db_lock, type(threading.Lock()))
    assert list(inspect.signature(stock._initdb).parameters) == ["engine", "for_index_shard"]
    # DataOpsSqliteStorage.__init__ replaces DagsterSqliteStorage's: the same attributes.
    with contextlib.ExitStack() as stack:
        theirs = DagsterSqliteStorage.from_local(str(tmp_path / "theirs"))
        ours = DataOpsSqliteStorage.from_local(str(tmp_path / "ours"))
        stack.callback(theirs.dispose)
        stack.callback(ours.dispose)
        assert set(vars(ours)) == set(vars(theirs))
        assert type(ours.event_log_storage) is PooledSqliteEventLogStorage
        assert type(ours.run_storage) is type(theirs.run_storage)
        assert type(ours.schedule_storage) is type(theirs.schedule_storage)
