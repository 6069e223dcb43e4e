"""The editor's configuration from the environment (`DATAOPS_EDITOR_*`, `DATAOPS_DAGSTER_URL`)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Flowchart documents are limited to 10 MB by the validator; leave room for JSON overhead.
MAX_JSON_BODY = 12 * 1024 * 1024


class EditorSettings(BaseSettings):
    """Where the editor listens, how it guards writes and where Dagster's UI is."""

    model_config = SettingsConfigDict(env_prefix="DATAOPS_", extra="ignore")

    editor_host: str = Field("127.0.0.1", description="Interface the editor binds to.")
    editor_port: int = Field(3001, ge=0, le=65535, description="Port of the editor.")
    editor_token: SecretStr | None = Field(
        None, description="Required in X-DataOps-Token when set; mandatory on a non-loopback host."
    )
    editor_max_upload_mb: float = Field(200, gt=0, description="Largest accepted upload, in MiB.")
    dagster_url: str = Field("http://127.0.0.1:3000", description="Dagster webserver (UI and GraphQL).")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.editor_max_upload_mb * 1024 * 1024)

    @property
    def dagster_base(self) -> str:
        return self.dagster_url.rstrip("/")

    @property
    def url(self) -> str:
        host = f"[{self.editor_host}]" if ":" in self.editor_host else self.editor_host
        return f"http://{host}:{self.editor_port}"

    def token(self) -> str | None:
        return self.editor_token.get_secret_value() if self.editor_token else None


def is_loopback(host: str) -> bool:
    """True for localhost and any 127.0.0.0/8 or ::1 address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
