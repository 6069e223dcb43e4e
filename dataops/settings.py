"""Configuration from the environment, read once into one settings object."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PSYCOPG2 = "postgresql+psycopg2://"


class Settings(BaseSettings):
    """Where flowcharts, plugins, data and intermediates live (`DATAOPS_*` variables)."""

    model_config = SettingsConfigDict(env_prefix="DATAOPS_", extra="ignore")

    flowcharts: Path = Field(Path("flowcharts"), description="Folder of flowchart files.")
    plugins: Path = Field(Path("plugins"), description="Folder of plugin module files.")
    data_root: Path = Field(Path("data"), description="Every relative path in params resolves here.")
    storage_root: str | None = Field(
        None, description="Intermediates (any fsspec URL); default under $DAGSTER_HOME or .dataops/."
    )
    dagster_url: str = Field(
        "http://127.0.0.1:3000", description="Dagster webserver (UI and GraphQL): links, reloads, launches."
    )
    editor_host: str = Field("127.0.0.1", description="Interface the editor binds to.")
    editor_port: int = Field(3001, ge=0, le=65535, description="Port of the editor.")
    editor_token: SecretStr | None = Field(
        None, description="Required in X-DataOps-Token when set; mandatory on a non-loopback host."
    )
    editor_max_upload_mb: float = Field(200, gt=0, description="Largest accepted upload, in MiB.")
    editor_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host or host:port names the editor answers to besides its own address "
        "(and localhost aliases on loopback), e.g. a reverse proxy's name; every other Host is refused.",
    )
    sensor_interval: int = Field(5, ge=1, description="Seconds between checks of watched folders.")
    settle_seconds: float = Field(
        2.0, ge=0, description="A watched file unchanged this long (or across two checks) is complete."
    )
    step_timeout: float | None = Field(3600.0, gt=0, description="Default time limit per node, in seconds.")
    projection: bool = Field(
        True, description="Read only the columns downstream nodes need; off reads every column (for comparisons)."
    )
    notify_attempts: int = Field(3, ge=1, le=10, description="Delivery attempts per notification.")
    postgres_url: SecretStr | None = Field(
        None, description="postgresql:// URL of the instance database; set, `dataops` uses the deploy/ instance."
    )
    max_concurrent_runs: int = Field(4, ge=-1, description="Runs in progress at once (-1: no limit; deploy/ only).")
    runs_per_flowchart: int = Field(2, ge=1, description="Runs of one flowchart in progress at once (deploy/ only).")
    celery_broker: SecretStr = Field(
        SecretStr("pyamqp://guest@127.0.0.1:5672//"), description="Celery broker URL for `executor: celery`."
    )
    celery_backend: SecretStr = Field(SecretStr("rpc://"), description="Celery result backend URL.")
    celery_queue: str = Field("dagster", min_length=1, description="Celery queue the steps go to and workers read.")
    allowed_env: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated environment variables a flowchart may name as ${VAR}, besides DATAOPS_SECRET_* "
        "(always allowed), e.g. PGPASSWORD,MY_TOKEN. Other DATAOPS_* variables are never expanded.",
    )
    outbound_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts notifications and database URLs may reach: names, *.domain, addresses or "
        "networks (10.0.0.0/8). Empty: any host but link-local and cloud metadata addresses, which are always refused.",
    )
    remote_tokens: SecretStr | None = Field(
        None,
        description="Comma-separated tokens the operator issues to remote module services (docs/remote-modules.md); "
        "a service registers with one. Unset: no service may register.",
    )
    outbound_schemes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated notification and database URL schemes allowed (json, mailtos, postgresql, ...). "
        "Empty: every network scheme; local ones (file, desktop, syslog) are always refused.",
    )

    @field_validator("editor_allowed_hosts", "allowed_env", "outbound_hosts", "outbound_schemes", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("postgres_url")
    @classmethod
    def _postgresql_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", PSYCOPG2)):
            raise ValueError("must be a postgresql:// URL, e.g. postgresql://dagster:secret@db-host:5432/dagster")
        return value

    @property
    def dagster_postgres_url(self) -> str | None:
        """The instance database URL with the psycopg2 driver named, as dagster-postgres needs it.

        SQLAlchemy 2.1 reads a plain postgresql:// as psycopg 3, whose server-side parameters
        break dagster-postgres's event log writes.
        """
        return None if self.postgres_url is None else psycopg2_url(self.postgres_url.get_secret_value())

    @property
    def data_root_resolved(self) -> Path:
        return self.data_root.expanduser().resolve()

    @property
    def dagster_base(self) -> str:
        return self.dagster_url.rstrip("/")

    @property
    def editor_url(self) -> str:
        host = f"[{self.editor_host}]" if ":" in self.editor_host else self.editor_host
        return f"http://{host}:{self.editor_port}"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.editor_max_upload_mb * 1024 * 1024)

    def token(self) -> str | None:
        return self.editor_token.get_secret_value() if self.editor_token else None

    @property
    def storage_url(self) -> str:
        if self.storage_root:
            return self.storage_root
        home = os.environ.get("DAGSTER_HOME")
        base = Path(home) / ".dataops" if home else Path(".dataops")
        return str((base / "storage").resolve())


def psycopg2_url(url: str) -> str:
    """A postgresql:// URL with the installed psycopg2 driver named (SQLAlchemy 2.1 would pick psycopg 3)."""
    return PSYCOPG2 + url.removeprefix("postgresql://") if url.startswith("postgresql://") else url


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings; tests that change the environment call `get_settings.cache_clear()`."""
    return Settings()
