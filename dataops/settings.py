"""Configuration from the environment, read once into one settings object."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where flowcharts, plugins, data and intermediates live (`DATAOPS_*` variables)."""

    model_config = SettingsConfigDict(env_prefix="DATAOPS_", extra="ignore")

    flowcharts: Path = Field(Path("flowcharts"), description="Folder of flowchart files.")
    plugins: Path = Field(Path("plugins"), description="Folder of plugin module files.")
    data_root: Path = Field(Path("data"), description="Every relative path in params resolves here.")
    storage_root: str | None = Field(
        None, description="Intermediates (any fsspec URL); default under $DAGSTER_HOME or .dataops/."
    )
    ui_url: str = Field("http://127.0.0.1:3000", description="Dagster UI base URL, for links in notifications.")
    sensor_interval: int = Field(5, ge=1, description="Seconds between checks of watched folders.")
    settle_seconds: float = Field(
        2.0, ge=0, description="A watched file unchanged this long (or across two checks) is complete."
    )
    step_timeout: float | None = Field(3600.0, gt=0, description="Default time limit per node, in seconds.")
    notify_attempts: int = Field(3, ge=1, le=10, description="Delivery attempts per notification.")

    @property
    def data_root_resolved(self) -> Path:
        return self.data_root.expanduser().resolve()

    @property
    def storage_url(self) -> str:
        if self.storage_root:
            return self.storage_root
        home = os.environ.get("DAGSTER_HOME")
        base = Path(home) / ".dataops" if home else Path(".dataops")
        return str((base / "storage").resolve())


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings; tests that change the environment call `get_settings.cache_clear()`."""
    return Settings()
