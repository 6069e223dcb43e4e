"""Which Dagster instance `dataops dev` and `dataops run` use.

$DAGSTER_HOME when set; otherwise `deploy/` (PostgreSQL, run queue, run monitoring) when
DATAOPS_POSTGRES_URL is set; otherwise the project root (SQLite, no services).
"""

from __future__ import annotations

import os
from pathlib import Path

from dataops.errors import DataOpsError
from dataops.settings import Settings

DEPLOY = "deploy"


def instance_env(settings: Settings, project: Path) -> dict[str, str]:
    """DAGSTER_HOME, and the database URL with the driver dagster-postgres needs."""
    env = {}
    if settings.dagster_postgres_url is not None:
        env["DATAOPS_POSTGRES_URL"] = settings.dagster_postgres_url
    if os.environ.get("DAGSTER_HOME"):
        env["DAGSTER_HOME"] = os.environ["DAGSTER_HOME"]
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
