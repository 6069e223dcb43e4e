"""Hot-plugging: reload Dagster's code locations when flowcharts or plugin modules change.

A running `dagster dev` loads definitions once per code-location load. Saving, adding or
deleting a flowchart or a plugin file triggers Dagster's GraphQL `reloadRepositoryLocation`,
so the change shows in the UI within seconds; runs already in flight keep the definitions
they started with.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dataops.errors import DataOpsError
from dataops.spec import FLOWCHART_SUFFIXES

log = logging.getLogger("dataops.hotplug")

LOCATIONS = "query { workspaceOrError { __typename ... on Workspace { locationEntries { name } } } }"
RELOAD = """
mutation($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry { name locationOrLoadError { __typename ... on PythonError { message } } }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
  }
}
"""


def graphql(url: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
    """POST one GraphQL request to the Dagster webserver at `url`; errors become DataOpsError."""
    request = urllib.request.Request(
        f"{url.rstrip('/')}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise DataOpsError(f"cannot reach the Dagster UI at {url}: {exc}") from exc
    if body.get("errors"):
        raise DataOpsError(f"Dagster GraphQL error: {body['errors'][0].get('message')}")
    return body["data"]


def reload_locations(url: str) -> dict[str, str]:
    """Reload every code location; returns location name -> 'ok' or the load error."""
    entries = graphql(url, LOCATIONS)["workspaceOrError"]
    names = [e["name"] for e in entries.get("locationEntries", [])]
    outcome = {}
    for name in names:
        result = graphql(url, RELOAD, {"name": name})["reloadRepositoryLocation"]
        loaded = result.get("locationOrLoadError") or {}
        if result["__typename"] != "WorkspaceLocationEntry":
            outcome[name] = result.get("message", result["__typename"])
        elif loaded.get("__typename") == "PythonError":
            outcome[name] = loaded["message"]
        else:
            outcome[name] = "ok"
    return outcome


def _relevant(path: str) -> bool:
    suffix = Path(path).suffix.lower()
    return suffix == ".py" or suffix in FLOWCHART_SUFFIXES


def watch_and_reload(folders: Iterable[Path], url: str, stop: threading.Event) -> None:
    """Block until `stop` is set, reloading after each burst of relevant changes."""
    import watchfiles

    paths = [folder for folder in folders if folder.is_dir()]
    if not paths:
        return
    for changes in watchfiles.watch(*paths, stop_event=stop, debounce=500, step=100, rust_timeout=1000, yield_on_timeout=False):
        changed = sorted({Path(p).name for _, p in changes if _relevant(p)})
        if not changed:
            continue
        try:
            outcome = reload_locations(url)
            log.info("reloaded %s after changes to %s", outcome, ", ".join(changed))
        except DataOpsError as exc:
            log.warning("reload after changes to %s failed: %s", ", ".join(changed), exc)


def start_watcher(folders: Iterable[Path], url: str) -> tuple[threading.Thread, threading.Event]:
    """`watch_and_reload` in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=watch_and_reload, args=(list(folders), url, stop), name="dataops-hotplug", daemon=True)
    thread.start()
    return thread, stop
