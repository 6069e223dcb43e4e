"""Which Dagster instance `dataops dev` and `dataops run` use.

$DAGSTER_HOME when set; otherwise `deploy/` (PostgreSQL, run queue, run monitoring) when
DATAOPS_POSTGRES_URL is set; otherwise the project root (SQLite, no services). When both are
set, $DAGSTER_HOME's dagster.yaml must store in PostgreSQL from DATAOPS_POSTGRES_URL: runs must
never land in SQLite while the setting says PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from dataops.errors import DataOpsError
from dataops.settings import Settings

DEPLOY = "deploy"
POSTGRES_STORAGE = "DataOpsPostgresStorage"


def instance_env(settings: Settings, project: Path) -> dict[str, str]:
    """DAGSTER_HOME, and the database URL with the driver dagster-postgres needs."""
    env = {}
    if settings.dagster_postgres_url is not None:
        env["DATAOPS_POSTGRES_URL"] = settings.dagster_postgres_url
    if os.environ.get("DAGSTER_HOME"):
        env["DAGSTER_HOME"] = os.environ["DAGSTER_HOME"]
        if settings.postgres_url is not None:
            _check_postgres_home(Path(env["DAGSTER_HOME"]), project)
    elif settings.postgres_url is not None:
        home = (project / DEPLOY).resolve()
        if not (home / "dagster.yaml").is_file():
            raise DataOpsError(
                f"DATAOPS_POSTGRES_URL is set but {home / 'dagster.yaml'} does not exist; run from the project "
                "root, or set DAGSTER_HOME to a folder with a PostgreSQL dagster.yaml (see docs/deploy.md)"
            )
        env["DAGSTER_HOME"] = str(home)
    else:
        env["DAGSTER_HOME"] = str(project.resolve())
    return env


def _check_postgres_home(home: Path, project: Path) -> None:
    """Refuse a DAGSTER_HOME whose instance would not store in the database DATAOPS_POSTGRES_URL names."""
    config = home / "dagster.yaml"
    try:
        loaded = yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataOpsError(f"cannot read {config}: {exc}") from exc
    if _reads_postgres_url(loaded):
        return
    found = (
        "has no dagster.yaml"
        if not config.is_file()
        else "has a dagster.yaml whose storage is not PostgreSQL from DATAOPS_POSTGRES_URL"
    )
    raise DataOpsError(
        f"DATAOPS_POSTGRES_URL is set, but DAGSTER_HOME={home} {found}, so runs "
        f"would not go to that database (Dagster would use SQLite there); unset DAGSTER_HOME to use "
        f"{(project / DEPLOY).resolve()}, copy deploy/dagster.yaml into {home}, or unset DATAOPS_POSTGRES_URL "
        "to use SQLite"
    )


def _reads_postgres_url(config: Any) -> bool:
    """storage: postgres or the deploy/ storage class, with postgres_url: {env: DATAOPS_POSTGRES_URL}."""
    storage = config.get("storage") if isinstance(config, dict) else None
    if not isinstance(storage, dict):
        return False
    if isinstance(storage.get("postgres"), dict):
        settings = storage["postgres"]
    elif isinstance(storage.get("custom"), dict) and storage["custom"].get("class") == POSTGRES_STORAGE:
        settings = storage["custom"].get("config")
    else:
        return False
    return isinstance(settings, dict) and settings.get("postgres_url") == {"env": "DATAOPS_POSTGRES_URL"}
