"""Settings: DATAOPS_* variables read once into one object, lists comma-separated, secrets masked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from dataops.settings import Settings, get_settings, psycopg2_url


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_without_any_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAOPS_DATA_ROOT", raising=False)
    monkeypatch.delenv("DATAOPS_STEP_TIMEOUT", raising=False)
    settings = Settings()
    assert settings.data_root == Path("data") and settings.step_timeout == 3600.0
    assert settings.editor_url == "http://127.0.0.1:3001" and settings.max_upload_bytes == 200 * 1024 * 1024


def test_variables_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATAOPS_DATA_ROOT", str(tmp_path / "数据"))
    first = get_settings()
    monkeypatch.setenv("DATAOPS_DATA_ROOT", str(tmp_path / "other"))
    assert get_settings() is first and first.data_root_resolved == (tmp_path / "数据").resolve()


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAOPS_ALLOWED_ENV", " PGPASSWORD, MY_TOKEN ,,")
    monkeypatch.setenv("DATAOPS_OUTBOUND_HOSTS", "*.example.com,10.0.0.0/8")
    settings = Settings()
    assert settings.allowed_env == ["PGPASSWORD", "MY_TOKEN"]
    assert settings.outbound_hosts == ["*.example.com", "10.0.0.0/8"]


def test_postgres_url_is_checked_masked_and_given_the_psycopg2_driver() -> None:
    settings = Settings(postgres_url="postgresql://dagster:secret@db:5432/dagster")
    assert settings.dagster_postgres_url == "postgresql+psycopg2://dagster:secret@db:5432/dagster"
    assert "secret" not in repr(settings)
    with pytest.raises(ValidationError, match="must be a postgresql:// URL"):
        Settings(postgres_url="mysql://root@db/dagster")
    assert psycopg2_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_ipv6_editor_host_is_bracketed_and_limits_are_checked() -> None:
    assert Settings(editor_host="::1", editor_port=8080).editor_url == "http://[::1]:8080"
    with pytest.raises(ValidationError, match="editor_port"):
        Settings(editor_port=70000)
