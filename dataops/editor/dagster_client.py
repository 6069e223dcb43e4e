"""Dagster through its GraphQL API only: find and launch a job, read a run (reloading is `dataops.hotplug`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataops.editor.http import ApiError
from dataops.errors import DataOpsError
from dataops.hotplug import graphql

REPOSITORIES = """
query {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}
"""
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on ConflictingExecutionParamsError { message }
    ... on PresetNotFoundError { message }
    ... on NoModeProvidedError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { invalidOutputName }
    ... on RunConflict { message }
  }
}
"""
_METADATA = """
  label
  ... on IntMetadataEntry { intValue }
  ... on MarkdownMetadataEntry { mdStr }
  ... on TextMetadataEntry { text }
  ... on TableSchemaMetadataEntry { schema { columns { name type } } }
"""
RUN = f"""
query($id: ID!) {{
  runOrError(runId: $id) {{
    __typename
    ... on Run {{
      runId
      jobName
      status
      executionPlan {{ steps {{ key }} }}
      stepStats {{ stepKey status }}
      eventConnection {{ events {{
        __typename
        ... on ExecutionStepFailureEvent {{
          stepKey
          error {{ message }}
          failureMetadata {{ description }}
        }}
        ... on HandledOutputEvent {{ stepKey outputName metadataEntries {{ {_METADATA} }} }}
        ... on MaterializationEvent {{ stepKey metadataEntries {{ {_METADATA} }} }}
        ... on RunFailureEvent {{ message error {{ message }} }}
      }} }}
    }}
    ... on RunNotFoundError {{ message }}
    ... on PythonError {{ message }}
  }}
}}
"""


@dataclass(frozen=True)
class JobHandle:
    location: str
    repository: str
    job: str


class DagsterClient:
    """Typed calls over `dataops.hotplug.graphql`; an unreachable or failing Dagster becomes `ApiError(502)`."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def run_url(self, run_id: str) -> str:
        return f"{self.base_url}/runs/{run_id}"

    def query(self, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return graphql(self.base_url, text, dict(variables or {}), timeout=self.timeout)
        except DataOpsError as exc:
            raise ApiError(502, exc.message) from exc
        except ValueError as exc:
            raise ApiError(502, f"Dagster at {self.base_url} did not answer with JSON") from exc

    def find_job(self, job: str) -> JobHandle | None:
        data = self.query(REPOSITORIES)["repositoriesOrError"]
        if data["__typename"] != "RepositoryConnection":
            raise ApiError(502, f"Dagster cannot list its repositories: {data.get('message', data['__typename'])}")
        for repository in data["nodes"]:
            if any(j["name"] == job for j in repository["jobs"]):
                return JobHandle(repository["location"]["name"], repository["name"], job)
        return None

    def launch(self, handle: JobHandle) -> str:
        params = {
            "selector": {
                "repositoryLocationName": handle.location,
                "repositoryName": handle.repository,
                "jobName": handle.job,
            },
            "runConfigData": {},
        }
        result = self.query(LAUNCH, {"params": params})["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            errors = "; ".join(e["message"] for e in result.get("errors", []))
            raise ApiError(502, f"Dagster did not launch '{handle.job}': {result.get('message') or errors or result}")
        return result["run"]["runId"]

    def run(self, run_id: str) -> dict[str, Any] | None:
        """The run with its step stats and events, or None when Dagster does not know it."""
        result = self.query(RUN, {"id": run_id})["runOrError"]
        if result["__typename"] == "RunNotFoundError":
            return None
        if result["__typename"] != "Run":
            raise ApiError(502, f"Dagster cannot read run {run_id}: {result.get('message', result['__typename'])}")
        return result
