"""Start a real `dagster dev` (webserver + daemon + code server) and talk to its GraphQL API."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from dagster_graphql import DagsterGraphQLClient

PROJECT = Path(__file__).resolve().parents[2]

JOBS_QUERY = """
query {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name description } } }
  }
}
"""
RUN_QUERY = """
query($id: ID!) {
  runOrError(runId: $id) {
    __typename
    ... on Run {
      status
      stepStats { stepKey status }
      eventConnection { events {
        __typename
        ... on ExecutionStepFailureEvent { stepKey failureMetadata { description } error { message } }
        ... on HandledOutputEvent { stepKey metadataEntries { label ... on IntMetadataEntry { intValue } } }
      } }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterServer:
    """A running `dagster dev`; `graphql` posts a hand-written query (for what `DagsterGraphQLClient` lacks)."""

    def __init__(self, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(body["errors"])
        return body["data"]

    def jobs(self) -> dict[str, dict[str, Any]]:
        data = self.graphql(JOBS_QUERY)["repositoriesOrError"]
        if data["__typename"] != "RepositoryConnection":
            return {}
        return {
            job["name"]: {**job, "location": repo["location"]["name"], "repository": repo["name"]}
            for repo in data["nodes"]
            for job in repo["jobs"]
        }

    def wait_for_jobs(self, names: set[str], timeout: float = 120) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        jobs: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline:
            try:
                jobs = self.jobs()
                if names <= set(jobs):
                    return jobs
            except (requests.ConnectionError, requests.HTTPError, AssertionError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(1)
        raise AssertionError(f"jobs {names} not listed (have {sorted(jobs)}); log:\n{self.log.read_text()[-4000:]}")

    def launch(self, job: str, run_config: Mapping[str, Any] | None = None) -> str:
        info = self.jobs()[job]
        client = DagsterGraphQLClient("127.0.0.1", port_number=self.port)
        return client.submit_job_execution(job, info["location"], info["repository"], run_config=run_config or {})

    def run(self, run_id: str) -> dict[str, Any]:
        return self.graphql(RUN_QUERY, {"id": run_id})["runOrError"]

    def wait_for_run(self, run_id: str, timeout: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run(run_id)
            if run.get("status") in ("SUCCESS", "FAILURE", "CANCELED"):
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} did not finish; log:\n{self.log.read_text()[-4000:]}")


@contextmanager
def dagster_dev(
    env: Mapping[str, str], log: Path, cwd: Path = PROJECT, *, via_dataops: bool = False
) -> Iterator[DagsterServer]:
    """`dagster dev` (or `dataops dev`: plus editor and hot-plug watcher) on free ports with `env`."""
    port = free_port()
    if via_dataops:
        command = [sys.executable, "-m", "dataops.cli.main", "dev", "-h", "127.0.0.1", "-p", str(port)]
        env = {**env, "DATAOPS_EDITOR_PORT": str(free_port())}
    else:
        workspace = str(PROJECT / "workspace.yaml")
        command = [sys.executable, "-m", "dagster", "dev", "-w", workspace, "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DagsterServer(port, process, log)
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
