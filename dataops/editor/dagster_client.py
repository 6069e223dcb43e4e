"""Dagster through its GraphQL API only: find and launch a job, read a run (reloading is `dataops.hotplug`).

Launching goes through `DagsterGraphQLClient.submit_job_execution`. Finding a job and reading a run
are hand-written queries: the client has no public job lookup, and its `get_run_status` returns
the status alone, where the editor shows every step's state, error and output metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataops.editor.http import ApiError
from dataops.errors import DataOpsError
from dataops.hotplug import dagster_client, graphql, talking_to

REPOSITORIES = """
query {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
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
    """Typed calls to the Dagster UI at `base_url`; an unreachable or failing Dagster becomes `ApiError(502)`."""

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

    def find_job(self, job: str) -> JobHandle | None:
        data = self.query(REPOSITORIES)["repositoriesOrError"]
        if data["__typename"] != "RepositoryConnection":
            raise ApiError(502, f"Dagster cannot list its repositories: {data.get('message', data['__typename'])}")
        for repository in data["nodes"]:
            if any(j["name"] == job for j in repository["jobs"]):
                return JobHandle(repository["location"]["name"], repository["name"], job)
        return None

    def launch(self, handle: JobHandle, tags: dict[str, str] | None = None) -> str:
        from dagster_graphql import DagsterGraphQLClientError

        client = dagster_client(self.base_url, self.timeout)
        try:
            with talking_to(self.base_url):
                return client.submit_job_execution(
                    handle.job, handle.location, handle.repository, run_config={}, tags=tags
                )
        except DataOpsError as exc:
            raise ApiError(502, exc.message) from exc
        except DagsterGraphQLClientError as exc:  # Dagster refused: the result's type and its message or errors
            kind, detail = (*exc.args, None)[:2]
            if isinstance(detail, list):
                detail = "; ".join(e.get("message", str(e)) for e in detail)
            raise ApiError(502, f"Dagster did not launch '{handle.job}': {detail or kind}") from None

    def run(self, run_id: str) -> dict[str, Any] | None:
        """The run with its step stats and events, or None when Dagster does not know it."""
        result = self.query(RUN, {"id": run_id})["runOrError"]
        if result["__typename"] == "RunNotFoundError":
            return None
        if result["__typename"] != "Run":
            raise ApiError(502, f"Dagster cannot read run {run_id}: {result.get('message', result['__typename'])}")
        return result
