"""Instance selection (`dataops.cli.instance`) and the shipped deploy/dagster.yaml on real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from pydantic import ValidationError

from dataops.cli.instance import instance_env
from dataops.errors import DataOpsError
from dataops.settings import Settings, get_settings
from tests.production.support import deploy_home, instance_at
from tests.support.dagster_server import PROJECT, dagster_dev

PG = "postgresql://dagster:secret@db.internal:5432/dagster"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    deploy_home(tmp_path / "deploy")
    return tmp_path


def test_sqlite_in_the_project_root_without_postgres(project: Path) -> None:
    assert instance_env(Settings(), project) == {"DAGSTER_HOME": str(project.resolve())}


def test_postgres_url_selects_deploy_and_names_the_driver(project: Path) -> None:
    env = instance_env(Settings(postgres_url=PG), project)
    assert env == {
        "DAGSTER_HOME": str((project / "deploy").resolve()),
        "DATAOPS_POSTGRES_URL": "postgresql+psycopg2://dagster:secret@db.internal:5432/dagster",
    }


def test_dagster_home_wins(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = deploy_home(project / "elsewhere")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert instance_env(Settings(postgres_url=PG), project)["DAGSTER_HOME"] == str(home)


@pytest.mark.parametrize("config", [None, PROJECT / "dagster.yaml", "storage: {postgres: {postgres_url: postgresql://x@h/d}}"])
def test_postgres_url_with_a_dagster_home_that_would_ignore_it_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, config: Path | str | None
) -> None:
    """The runs would land in SQLite (or another database) while DATAOPS_POSTGRES_URL says PostgreSQL."""
    home = project / "home"
    home.mkdir()
    if config is not None:
        text = config.read_text(encoding="utf-8") if isinstance(config, Path) else config
        (home / "dagster.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    found = "has no dagster.yaml" if config is None else "has a dagster.yaml whose storage is not PostgreSQL from"
    with pytest.raises(
        DataOpsError,
        match=rf"^DATAOPS_POSTGRES_URL is set, but DAGSTER_HOME={home} {found}.*; unset DAGSTER_HOME to use "
        rf"{project.resolve() / 'deploy'}, copy deploy/dagster.yaml into {home}, or unset DATAOPS_POSTGRES_URL",
    ):
        instance_env(Settings(postgres_url=PG), project)
    assert instance_env(Settings(), project) == {"DAGSTER_HOME": str(home)}  # SQLite there, as asked


def test_dataops_run_refuses_postgres_url_with_a_sqlite_dagster_home(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    env = {**os.environ, "DATAOPS_POSTGRES_URL": PG, "PYTHONPATH": str(PROJECT)}
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "run", "flowcharts/sales_by_city.yaml"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert f"DATAOPS_POSTGRES_URL is set, but DAGSTER_HOME={workspace / 'dagster_home'} has a dagster.yaml" in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stdout + result.stderr
    assert not (workspace / "dagster_home" / "history").exists()


def test_postgres_url_without_deploy_folder_says_what_to_do(project: Path) -> None:
    shutil.rmtree(project / "deploy")
    with pytest.raises(DataOpsError, match=r"DATAOPS_POSTGRES_URL is set but .*deploy/dagster.yaml does not exist"):
        instance_env(Settings(postgres_url=PG), project)


def test_postgres_url_must_be_postgresql() -> None:
    with pytest.raises(ValidationError, match="must be a postgresql:// URL"):
        Settings(postgres_url="mysql://root@db/dagster")
    assert "secret" not in repr(Settings(postgres_url=PG))


def test_deploy_config_is_a_queued_monitored_postgres_instance(
    instance_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the URL as users write it: plain postgresql:// (SQLAlchemy 2.1 alone would want psycopg 3)."""
    monkeypatch.setenv("DATAOPS_POSTGRES_URL", instance_db.replace("postgresql+psycopg2://", "postgresql://"))
    home = str(deploy_home(tmp_path / "home"))
    with dg.DagsterInstance.from_config(home) as instance:
        storage = {
            type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        }
        assert storage == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 4
        assert queue.tag_concurrency_limits == [
            {"key": "dataops/flowchart", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}
        ]
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_resume_run_attempts == 0
    monkeypatch.setenv("DATAOPS_MAX_CONCURRENT_RUNS", "7")
    monkeypatch.setenv("DATAOPS_RUNS_PER_FLOWCHART", "3")
    get_settings.cache_clear()
    try:
        with dg.DagsterInstance.from_config(home) as instance:
            queue = instance.get_concurrency_config().run_queue_config
            assert queue.max_concurrent_runs == 7 and queue.tag_concurrency_limits[0]["limit"] == 3
    finally:
        get_settings.cache_clear()


def test_dataops_run_uses_postgres_from_one_variable(instance_db: str, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    deploy_home(workspace / "deploy")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    plain = instance_db.replace("postgresql+psycopg2://", "postgresql://")  # as a user writes it
    env.update(DATAOPS_POSTGRES_URL=plain, PYTHONPATH=str(PROJECT))
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "run", "flowcharts/sales_by_city.yaml"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.splitlines()[0].split()[3]
    assert not (workspace / "dagster_home" / "history").exists()  # nothing went to SQLite
    with instance_at(workspace / "deploy", instance_db) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dataops/flowchart"] == "sales_by_city"
        steps = {e.step_key for e in instance.all_logs(run_id) if e.is_dagster_event and e.step_key}
        assert len(steps) == 6


def test_dataops_dev_uses_postgres_from_one_variable(instance_db: str, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    shutil.copy(PROJECT / "workspace.yaml", workspace / "workspace.yaml")
    deploy_home(workspace / "deploy")
    env = {k: v for k, v in os.environ.items() if k.startswith("DATAOPS_")}
    env["DATAOPS_POSTGRES_URL"] = instance_db.replace("postgresql+psycopg2://", "postgresql://")
    os.environ.pop("DAGSTER_HOME")  # the workspace fixture's monkeypatch restores it
    with dagster_dev(env, workspace / "dev.log", cwd=workspace, via_dataops=True) as server:
        server.wait_for_jobs({"sales_by_city"})
        run_id = server.launch("sales_by_city")
        assert server.wait_for_run(run_id)["status"] == "SUCCESS"  # queued, dequeued by dagster dev's daemon
    with instance_at(workspace / "deploy", instance_db) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert not (workspace / "history").exists()  # nothing in the SQLite default
