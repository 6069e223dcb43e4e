"""The discovery source of remote modules: the instance's registrations become modules.

Loaded through the `dataops.modules` entry point, it adds itself to `module_library.discovery`,
so every `discover` (the editor's palette, `dataops modules`, validation, each code-location load,
each run) reads the registrations afresh: a service that registers is there without a restart, a
lapsed one is listed as unavailable and fails validation naming the node, and a run worker checks
the registration once more just before it calls the service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dataops.errors import DataOpsError, ModuleError
from dataops.outbound import host_problem
from dataops.remote import store
from module_library import registry
from module_library.discovery import PluginProblem, add_source
from module_library.remote import Description, Target, remote_spec

ORIGIN = "remote module {name}"  # one origin per name: a new version replaces the old quietly
_registered: set[str] = set()


def sync() -> list[PluginProblem]:
    """Register every remote module (available or not) and forget those no longer registered."""
    if not store.has_instance():
        return []
    try:
        registrations = store.load_all()
    except Exception as exc:  # the instance's database is down: local modules still load
        return [PluginProblem("remote module registrations", f"cannot read them: {type(exc).__name__}: {exc}")]
    problems, seen = [], set()
    for registration in registrations:
        try:
            description = Description.parse(registration.description)
            lapsed = registration.lapsed()
            why = f"remote module '{registration.name}' is unavailable: {lapsed}" if lapsed else None
            origin = ORIGIN.format(name=registration.name)
            registry.register(remote_spec(description, registration.url, resolve, why, origin=origin))
        except (ValueError, DataOpsError) as exc:
            problems.append(PluginProblem(f"remote module '{registration.name}' ({registration.url})", str(exc)))
            continue
        seen.add(registration.name)
    for name in _registered - seen:
        registry.unregister(name)
    _registered.clear()
    _registered.update(seen)
    return problems


def resolve(name: str) -> Target:
    """Where to call `name` now; a `ModuleError` when it must not be called (lapsed, token revoked, host refused)."""
    registration = store.load(name)
    if registration is None:
        raise ModuleError(f"remote module '{name}' is no longer registered")
    lapsed = registration.lapsed()
    if lapsed:
        raise ModuleError(
            f"remote module '{name}' is unavailable: {lapsed}; start its service again, then re-execute this node "
            "(upstream outputs are kept)"
        )
    token = store.issued_tokens().get(registration.token_id)
    if token is None:
        raise ModuleError(f"remote module '{name}' registered with a token the operator has since revoked")
    problem = host_problem(urlsplit(registration.url).hostname or "")
    if problem:
        raise ModuleError(f"remote module '{name}' may not be called: {problem}")
    timeout = Description.parse(registration.description).timeout_seconds
    return Target(registration.url, token, registration.version, timeout)


def is_remote(origin: str, name: str) -> bool:
    """Whether a registered module of this origin is the remote module `name` (not a local one)."""
    return origin == ORIGIN.format(name=name)


add_source(sync)
