"""Hot-plugging: reload Dagster's code locations when flowcharts or plugin modules change, and
launch watched files the moment they are complete.

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
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dataops import history
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
    if history.FOLDER in Path(path).parts:  # the versions a save keeps are not code
        return False
    return Path(path).suffix.lower() == ".py" or is_flowchart_file(Path(path))


def watch_and_reload(folders: Iterable[Path], url: str, stop: threading.Event) -> None:
    """Block until `stop` is set, reloading after each burst of relevant changes."""
    import watchfiles

    paths = [folder for folder in folders if folder.is_dir()]
    if not paths:
        return
    watched = {folder.resolve() for folder in paths}
    for changes in watchfiles.watch(
        *paths, stop_event=stop, debounce=500, step=100, rust_timeout=1000, yield_on_timeout=False
    ):
        changed = sorted({Path(p).name for _, p in changes if _relevant(p)})
        if not changed:
            continue
        for path in {Path(p) for _, p in changes if _relevant(p)}:
            if is_flowchart_file(path) and path.parent.resolve() in watched and path.is_file():
                history.record_disk_edit(path)  # an edit outside the editor becomes a version at once
        outcome = reload_dagster(url)
        if outcome.ok:
            log.info("reloaded %s after changes to %s", outcome.location, ", ".join(changed))
        else:
            log.warning("reload after changes to %s: %s", ", ".join(changed), outcome.message)


def start_watcher(folders: Iterable[Path], url: str) -> tuple[threading.Thread, threading.Event]:
    """`watch_and_reload` in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_and_reload, args=(list(folders), url, stop), name="dataops-hotplug", daemon=True
    )
    thread.start()
    return thread, stop


# --- watched folders: a run as soon as a file is complete ----------------------------------------


class InboxWatcher:
    """`dataops dev`'s event-driven half of `triggers.watch` (the sensor is the other half).

    It follows the data root with the operating system's file events (watchfiles), and launches a
    file matching a flowchart's `watch.pattern` through GraphQL once it is complete: untouched
    for `quiet` seconds and open for writing by no process (Linux /proc; elsewhere `quiet` is
    DATAOPS_SETTLE_SECONDS). Each file version is claimed first, as the sensor claims it
    (`dataops_defs.automation.watch.Claims`), so exactly one of them launches it.
    """

    def __init__(self, url: str, flowcharts: Path, plugins: Path, data_root: Path, settle_seconds: float) -> None:
        self.url = url
        self.flowcharts, self.plugins, self.root = flowcharts, plugins, data_root
        self.quiet = 0.25 if Path("/proc/self/fd").is_dir() else settle_seconds
        self._cache: tuple[object, list[Any]] = (None, [])

    def run(self, stop: threading.Event) -> None:
        import watchfiles

        if not self.root.is_dir():
            return
        try:  # load the flowcharts (and Dagster, the compiler) now, not when the first file arrives
            import dataops_defs.automation.watch  # noqa: F401

            self.watches()
        except Exception as exc:
            log.warning("watched files: %s", exc)
        pending: dict[Path, float] = {}
        for changes in watchfiles.watch(
            self.root, stop_event=stop, debounce=50, step=20, rust_timeout=100, yield_on_timeout=True
        ):
            now = time.monotonic()
            for change, raw in changes:
                if change != watchfiles.Change.deleted:
                    pending[Path(raw)] = now
            ready = [path for path, at in pending.items() if now - at >= self.quiet]
            if not ready:
                continue
            for path in ready:
                del pending[path]
            try:
                for path in self.launch(ready):  # still being written: look again later
                    pending[path] = now
            except Exception as exc:  # never stop watching; the sensor catches up
                log.warning("watched files: %s", exc)

    def watches(self) -> list[Any]:
        """(flowchart, watch) of every enabled flowchart with `triggers.watch`, re-read when files change."""
        from dataops.flowcharts import list_files, parse, read
        from module_library.discovery import discover

        files = [*list_files(self.flowcharts), *sorted(self.plugins.glob("*.py"))]
        key = [(str(f), f.stat().st_mtime_ns) for f in files if f.exists()]
        if key == self._cache[0]:
            return self._cache[1]
        discover(self.plugins)
        found = []
        for file in list_files(self.flowcharts):
            try:
                flowchart = parse(read(file))
            except DataOpsError:
                continue
            watch = flowchart.spec.triggers.watch if flowchart.spec.triggers else None
            if watch is not None and flowchart.spec.enabled:
                found.append((flowchart, watch))
        self._cache = (key, found)
        return found

    def launch(self, paths: list[Path]) -> list[Path]:
        """Launch each complete file for each flowchart watching it; those still being written."""
        from dataops_defs.automation import watch as watching

        candidates = []
        for flowchart, watch in self.watches():
            for path in paths:
                relative = watching.matching(self.root, watch.pattern, path)
                if relative is not None:
                    candidates.append((flowchart, watch, path, relative))
        if not candidates:
            return []
        writing = watching.being_written([c[2] for c in candidates])
        for flowchart, watch, path, relative in candidates:
            if path in writing:
                continue
            self._launch_one(flowchart, watch.node, path, relative)
        return sorted(writing)

    def _launch_one(self, flowchart: Any, node: str, path: Path, relative: str) -> None:
        from dataops_defs.automation import watch as watching

        try:
            signature = watching.file_signature(path.stat())
        except OSError:
            return
        sensor = watching.sensor_name(flowchart)
        request = watching.launch_request(flowchart, node, relative, signature)
        key = request.run_key or ""
        claims = watching.Claims(sensor)
        if not claims.claim(key, watching.WATCHER):
            return  # the sensor, or this watcher, has it
        # The sensor's tags too: Dagster's daemon then sees the run key as launched.
        tags = {**request.tags, watching.RUN_KEY_TAG: key, watching.SENSOR_NAME_TAG: sensor}
        try:
            with talking_to(self.url):
                run_id = dagster_client(self.url, timeout=10).submit_job_execution(
                    flowchart.name, run_config=request.run_config, tags=tags
                )
        except Exception as exc:
            claims.release(key)  # the sensor launches it instead
            log.warning("launching %s for %s: %s", flowchart.name, relative, exc)
            return
        log.info("launched %s for %s (run %s)", flowchart.name, relative, run_id)


def start_inbox_watcher(
    url: str, flowcharts: Path, plugins: Path, data_root: Path, settle_seconds: float
) -> tuple[threading.Thread, threading.Event]:
    """`InboxWatcher.run` in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    watcher = InboxWatcher(url, flowcharts, plugins, data_root, settle_seconds)
    thread = threading.Thread(target=watcher.run, args=(stop,), name="dataops-inbox", daemon=True)
    thread.start()
    return thread, stop
