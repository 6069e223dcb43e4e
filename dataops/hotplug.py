"""Hot-plugging: reload Dagster's code locations when flowcharts or plugin modules change.

A running `dagster dev` loads definitions once per code-location load. `reload_dagster` is the
one way this project asks it to load them again: the editor calls it after a save or a delete,
`dataops dev`'s watcher after a burst of file changes, `dataops reload` on demand. Runs already
in flight keep the definitions they started with.

Dagster is reached through `dagster-graphql`'s `DagsterGraphQLClient` where it has the call
(reload, submit); `graphql` sends the queries it lacks, over the same transport library.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dataops.errors import DataOpsError
from dataops.flowcharts import is_flowchart_file

if TYPE_CHECKING:
    from dagster_graphql import DagsterGraphQLClient
    from gql.transport.requests import RequestsHTTPTransport

log = logging.getLogger("dataops.hotplug")

# The client cannot list the workspace's code locations (it reloads one it is given by name).
LOCATIONS = "query { workspaceOrError { __typename ... on Workspace { locationEntries { name } } } }"


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: `ok` when every code location loaded; never an exception (the save stands)."""

    ok: bool
    message: str
    location: str | None = None


def reload_dagster(url: str) -> Reloaded:
    """Reload every code location of the Dagster UI at `url`; failures are reported, not raised."""
    try:
        outcome = reload_locations(url)
    except DataOpsError as exc:
        return Reloaded(ok=False, message=str(exc))
    if not outcome:
        return Reloaded(ok=False, message="Dagster has no code location")
    failures = {name: why for name, why in outcome.items() if why != "ok"}
    if failures:
        detail = "; ".join(f"{name}: {why}" for name, why in failures.items())
        return Reloaded(ok=False, location=next(iter(failures)), message=f"reload failed: {detail}")
    return Reloaded(ok=True, location=", ".join(outcome), message="code location reloaded")


def reload_locations(url: str) -> dict[str, str]:
    """Reload every code location; location name -> 'ok' or its load error. Raises `DataOpsError`."""
    from dagster_graphql import ReloadRepositoryLocationStatus

    entries = graphql(url, LOCATIONS)["workspaceOrError"]
    outcome = {}
    for name in [e["name"] for e in entries.get("locationEntries", [])]:
        with talking_to(url):
            try:
                info = dagster_client(url).reload_repository_location(name)
            except (KeyError, TypeError):  # an answer the client does not expect, e.g. a PythonError
                outcome[name] = "Dagster did not reload it; its log says why"
                continue
        ok = info.status == ReloadRepositoryLocationStatus.SUCCESS
        outcome[name] = "ok" if ok else info.message or str(info.failure_type)
    return outcome


def dagster_client(url: str, timeout: float = 60) -> DagsterGraphQLClient:
    """Dagster's own client for the UI at `url` (one per call: its transport is not thread-safe)."""
    # Imported here: dagster-graphql imports Dagster, which the editor and `dataops dev` need not load.
    from dagster_graphql import DagsterGraphQLClient

    return DagsterGraphQLClient(urlsplit(url).hostname or url, transport=_transport(url, timeout))


def graphql(url: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
    """One hand-written GraphQL request (for what `DagsterGraphQLClient` lacks); errors become `DataOpsError`."""
    from gql import Client
    from gql.graphql_request import GraphQLRequest

    with talking_to(url):
        return Client(transport=_transport(url, timeout)).execute(GraphQLRequest(query, variable_values=variables))


@contextmanager
def talking_to(url: str) -> Iterator[None]:
    """Failures of a call to Dagster as `DataOpsError`s saying what went wrong, not which library saw it."""
    import requests
    from dagster_graphql import DagsterGraphQLClientError
    from gql.transport.exceptions import TransportError

    try:
        yield
    except DagsterGraphQLClientError as exc:
        if exc.__cause__ is None:
            raise  # Dagster refused the call; the caller words it
        raise _failure(url, exc.__cause__) from exc
    except (requests.RequestException, TransportError) as exc:
        raise _failure(url, exc) from exc


def _failure(url: str, exc: BaseException) -> DataOpsError:
    from gql.transport.exceptions import TransportProtocolError, TransportQueryError, TransportServerError

    if isinstance(exc, TransportQueryError):
        message = (exc.errors or [{}])[0].get("message") or str(exc)
        return DataOpsError(f"Dagster GraphQL error: {message}")
    if isinstance(exc, TransportServerError):
        return DataOpsError(f"Dagster at {url} answered HTTP {exc.code}: {exc}")
    if isinstance(exc, TransportProtocolError):
        return DataOpsError(f"Dagster at {url} did not answer with JSON")
    return DataOpsError(f"cannot reach the Dagster UI at {url}: {exc}")


def _transport(url: str, timeout: float) -> RequestsHTTPTransport:
    from gql.transport.requests import RequestsHTTPTransport

    return RequestsHTTPTransport(url=f"{url.rstrip('/')}/graphql", timeout=int(timeout))


def _relevant(path: str) -> bool:
    return Path(path).suffix.lower() == ".py" or is_flowchart_file(Path(path))


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
        outcome = reload_dagster(url)
        if outcome.ok:
            log.info("reloaded %s after changes to %s", outcome.location, ", ".join(changed))
        else:
            log.warning("reload after changes to %s: %s", ", ".join(changed), outcome.message)


def start_watcher(folders: Iterable[Path], url: str) -> tuple[threading.Thread, threading.Event]:
    """`watch_and_reload` in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=watch_and_reload, args=(list(folders), url, stop), name="dataops-hotplug", daemon=True)
    thread.start()
    return thread, stop
