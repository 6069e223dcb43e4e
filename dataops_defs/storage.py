"""The embedded default's storage: Dagster's SQLite storage, with the event log's connections kept.

Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine for every write: SQLAlchemy
inspects the database again, SQLite opens the file, and closing the last connection of a WAL
database checkpoints it. A 6-node run stores about 40 events that way, 0.2–0.3 s of the
run's fixed cost on two cores (docs/benchmarks.md). This storage keeps one engine with one
pooled connection per shard (the run's database and the index) and is otherwise Dagster's:
same files, same schema, so `dagster dev`, the daemon and `dataops run` can share a
DAGSTER_HOME whichever class each of them is configured with.

`dagster.yaml` selects it:

    storage:
      custom:
        module: dataops_defs.storage
        class: DataOpsSqliteStorage
        config: {base_dir: {env: DAGSTER_HOME}}

It overrides `SqliteEventLogStorage._connect`, a private method: `tests/dataops_defs/
test_storage.py` fails if Dagster's changes shape.

Opening the storage also asks Alembic for the schema's head revision, once per SQLite file
(runs, schedules, the event index, each new run's events): Alembic reads all of Dagster's
migration scripts each time, 0.15–0.2 s per run. Importing this module makes Alembic keep
the scripts it read per process (`share_migration_scripts`); they change only with a Dagster
upgrade, which restarts the process anyway.
"""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy
import yaml
from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import QueuePool

_scripts: dict[tuple[str | None, str | None], ScriptDirectory] = {}
_read_scripts = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]


def _shared_scripts(cls: type[ScriptDirectory], config: Config) -> ScriptDirectory:
    key = (config.config_file_name, config.get_alembic_option("script_location"))
    if key not in _scripts:
        _scripts[key] = _read_scripts(cls, config)
    return _scripts[key]


def share_migration_scripts() -> None:
    """One read of each Alembic script folder per process (Dagster's storages ask for it per file)."""
    ScriptDirectory.from_config = classmethod(_shared_scripts)  # type: ignore[method-assign,assignment]


share_migration_scripts()

_live: weakref.WeakSet[PooledSqliteEventLogStorage] = weakref.WeakSet()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run-sharded SQLite event log, with one engine and connection per shard kept.

    At most `max_shards` engines stay open (least recently used closed first): a webserver
    reads many runs' databases over its life.
    """

    max_shards = 16

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, sqlalchemy.Engine] = OrderedDict()
        _live.add(self)
        super().__init__(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sqlalchemy.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> sqlalchemy.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sqlalchemy.create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,  # `_db_lock` serialises this object's connections
            max_overflow=2,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        self._engines[shard] = engine
        while len(self._engines) > self.max_shards:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _forget_connections(self) -> None:
        """In a forked child: the parent's pooled SQLite handles must not be used (nor closed) here."""
        for engine in self._engines.values():
            engine.dispose(close=False)
        self._engines.clear()

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()

    def delete_events(self, run_id: str) -> None:
        super().delete_events(run_id)  # opens the run's connection: drop its engine afterwards
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
        if engine is not None:
            engine.dispose()

    def wipe(self) -> None:
        self.dispose()
        super().wipe()


def _after_fork_in_child() -> None:
    for storage in list(_live):
        storage._forget_connections()


os.register_at_fork(after_in_child=_after_fork_in_child)


class DataOpsSqliteStorage(DagsterSqliteStorage):
    """`DagsterSqliteStorage` (same folders and files) with the pooled event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any) -> DataOpsSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData | None:
        """How another process rebuilds this event log on its own (the pooled class, same folder)."""
        config = yaml.safe_dump({"base_dir": _event_logs_directory(self.base_dir)})
        return ConfigurableClassData(__name__, PooledSqliteEventLogStorage.__name__, config)
