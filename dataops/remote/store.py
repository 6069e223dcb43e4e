"""Registrations of remote module services, in the Dagster instance's storage.

They live in the run storage's key-value table (`get_cursor_values`/`set_cursor_values`, the table
Dagster keeps sensor and daemon cursors in), which SQLite and PostgreSQL instances both have: the
webserver, the daemon, the run workers and the editor read the same rows, and nothing new has to
be created or migrated in Dagster's database. One key per module holds its registration; one
index key lists the names (the table cannot be listed by prefix). Writes come only from the
editor's registration endpoint, which serialises them, so the index never loses a name.
Reads of the default SQLite instance use the standard library (see `_read`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dataops.settings import Settings, get_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance

INDEX_KEY = "dataops.remote.index"
KEY_PREFIX = "dataops.remote.module:"
LAPSE_INTERVALS = 2.5  # a registration has lapsed once this many heartbeat intervals pass without one
DEFAULT_INTERVAL = 5.0

_writing = threading.RLock()
_instances: dict[str, DagsterInstance] = {}


@dataclass(frozen=True)
class Registration:
    """One registered service: where it is, what it said about itself, when it was last heard from."""

    name: str
    url: str
    version: str
    description: dict[str, Any]
    interval: float
    last_seen: float
    token_id: str
    stopped: bool = False

    def lapsed(self, now: float | None = None) -> str | None:
        """Why the module cannot be called now (its heartbeat lapsed, it stopped), or None."""
        if self.stopped:
            return f"its service at {self.url} unregistered"
        age = (time.time() if now is None else now) - self.last_seen
        if age > LAPSE_INTERVALS * self.interval:
            return f"no heartbeat from {self.url} for {age:.0f} s (every {self.interval:g} s expected)"
        return None


def token_id(token: str) -> str:
    """What is stored of a token: a fingerprint, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def issued_tokens(settings: Settings | None = None) -> dict[str, str]:
    """The operator's tokens (DATAOPS_REMOTE_TOKENS) by fingerprint."""
    secret = (settings or get_settings()).remote_tokens
    tokens = [t.strip() for t in secret.get_secret_value().split(",")] if secret is not None else []
    return {token_id(t): t for t in tokens if t}


def has_instance() -> bool:
    """Whether this process names a Dagster instance (DAGSTER_HOME) to read registrations from."""
    return bool(os.environ.get("DAGSTER_HOME"))


@contextmanager
def _storage() -> Iterator[Any]:
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME", "")
    instance = _instances.get(home)
    if instance is None:
        instance = _instances[home] = DagsterInstance.get()
    yield instance.run_storage


def _read(keys: set[str]) -> dict[str, str]:
    """Values of `keys` in the key-value table.

    The default SQLite instance is read with the standard library, read-only: every discovery
    reads here, and `dataops validate` or the editor must not pay for Dagster's import or create
    the instance's databases. Any other storage (PostgreSQL) is read through Dagster's API.
    """
    sqlite = _sqlite_runs_db()
    if sqlite is not None:
        if not sqlite.is_file():
            return {}  # no run storage yet: nothing was ever registered
        with closing(sqlite3.connect(f"{sqlite.as_uri()}?mode=ro", uri=True, timeout=30)) as db:
            try:
                marks = ",".join("?" * len(keys))
                found = db.execute(f"SELECT key, value FROM kvs WHERE key IN ({marks})", sorted(keys)).fetchall()
            except sqlite3.OperationalError:  # the table is not there yet
                return {}
        return {str(k): str(v) for k, v in found}
    with _storage() as storage:
        return dict(storage.get_cursor_values(keys))


def _sqlite_runs_db() -> Path | None:
    """The run storage's SQLite file when the instance is the default SQLite one under DAGSTER_HOME."""
    home = Path(os.environ["DAGSTER_HOME"])
    config = home / "dagster.yaml"
    try:
        loaded = yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, yaml.YAMLError):
        return None
    storage = (loaded or {}).get("storage")
    if "run_storage" in (loaded or {}) or (storage is not None and set(storage) != {"sqlite"}):
        return None
    base = ((storage or {}).get("sqlite") or {}).get("base_dir", {"env": "DAGSTER_HOME"})
    if base == {"env": "DAGSTER_HOME"}:
        return home / "history" / "runs.db"
    return Path(base) / "history" / "runs.db" if isinstance(base, str) else None


def load_all() -> list[Registration]:
    """Every registration, lapsed or not, by name."""
    index = _read({INDEX_KEY}).get(INDEX_KEY)
    names = json.loads(index) if index else []
    if not names:
        return []
    rows = _read({KEY_PREFIX + n for n in names})
    return [_registration(rows[KEY_PREFIX + n]) for n in sorted(names) if KEY_PREFIX + n in rows]


def load(name: str) -> Registration | None:
    """One module's registration, read afresh (a run worker asks just before calling)."""
    row = _read({KEY_PREFIX + name}).get(KEY_PREFIX + name)
    return _registration(row) if row else None


@contextmanager
def locked() -> Iterator[None]:
    """Hold the writers' lock across a read and the write that depends on it."""
    with _writing:
        yield


def save(registration: Registration) -> None:
    """Add or renew a registration (the editor's registration endpoint is the only writer), through Dagster's API."""
    with _writing, _storage() as storage:
        index = storage.get_cursor_values({INDEX_KEY}).get(INDEX_KEY)
        names = set(json.loads(index) if index else [])
        # One key per call: Dagster's upsert inserts all pairs or updates all, never a mix.
        storage.set_cursor_values({KEY_PREFIX + registration.name: json.dumps(asdict(registration))})
        if registration.name not in names:
            storage.set_cursor_values({INDEX_KEY: json.dumps(sorted(names | {registration.name}))})


def _registration(row: str) -> Registration:
    data: Mapping[str, Any] = json.loads(row)
    return Registration(**data)
