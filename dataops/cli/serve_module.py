"""`dataops serve-module FILE_OR_ENTRY_POINT`: an existing Python module served as a remote one.

The file (or importable module, `package.module`) is loaded as a plugin would be; each module it
declares is served under `/<name>` and registered with the DataOps editor at `--register`, renewed
every `--interval` seconds. Ctrl-C unregisters them and stops.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dataops.errors import DataOpsError

if TYPE_CHECKING:
    from module_library.module_spec import ModuleSpec

TOKEN_VARIABLE = "DATAOPS_REMOTE_TOKEN"


def load_modules(target: str, names: tuple[str, ...] = ()) -> tuple[dict[str, ModuleSpec], str]:
    """The transform modules `target` declares (a file or an importable name) and a version (its content hash)."""
    from module_library import registry

    importlib.import_module("module_library.builtin")  # already registered: not served
    before = set(registry.MODULES)
    path = Path(target)
    if path.suffix == ".py" or path.exists():
        if not path.is_file():
            raise DataOpsError(f"serve-module: no file {target}")
        spec = importlib.util.spec_from_file_location(f"dataops_served.{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        source = path.read_bytes()
    else:
        module = importlib.import_module(target.partition(":")[0])
        file = getattr(module, "__file__", None)
        source = Path(file).read_bytes() if file else target.encode()
    found = {n: s for n, s in registry.MODULES.items() if n not in before and s.kind == "transform"}
    if names:
        unknown = sorted(set(names) - set(found))
        if unknown:
            raise DataOpsError(f"serve-module: {target} declares no module {unknown}; it declares {sorted(found)}")
        found = {n: found[n] for n in names}
    if not found:
        raise DataOpsError(f"serve-module: {target} declares no transform module (@module)")
    return found, hashlib.sha256(source).hexdigest()[:12]


def serve(
    target: str,
    *,
    host: str,
    port: int,
    register: str | None,
    token: str | None,
    interval: float,
    version: str | None,
    names: tuple[str, ...],
    advertise: str | None,
) -> None:
    from dataops.remote.service import describe, heartbeat, make_server

    specs, digest = load_modules(target, names)
    version = version or digest
    token = token or os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise DataOpsError(f"serve-module: give --token or set {TOKEN_VARIABLE} (a token the operator issued)")
    server = make_server(specs, version, token, host, port)
    bound = server.server_address[1]
    base = (advertise or f"http://{host}:{bound}").rstrip("/")
    click.echo(f"serving {', '.join(sorted(specs))} (version {version}) at {base}", err=True)
    stop = threading.Event()
    beating = None
    if register:
        registrations = [
            {"url": f"{base}/{name}", "interval_seconds": interval, "module": describe(spec, version)}
            for name, spec in specs.items()
        ]
        beating = threading.Thread(target=heartbeat, args=(register, token, registrations, interval, stop), daemon=True)
        beating.start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if beating is not None:
            beating.join(timeout=5)
        server.server_close()


@click.command("serve-module")
@click.argument("target", metavar="FILE_OR_ENTRY_POINT")
@click.option("--port", type=int, default=0, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--register", "register_url", default=None, help="The DataOps editor's URL to register with.")
@click.option("--token", default=None, help=f"Operator-issued token (default: ${TOKEN_VARIABLE}).")
@click.option("--interval", type=float, default=5.0, show_default=True, help="Heartbeat interval in seconds.")
@click.option("--version", "version", default=None, help="Version to announce (default: the source's hash).")
@click.option("--module", "names", multiple=True, help="Serve only these modules of the file (repeatable).")
@click.option("--advertise", default=None, help="Base URL DataOps should call (default: http://HOST:PORT).")
def serve_module(
    target: str,
    port: int,
    host: str,
    register_url: str | None,
    token: str | None,
    interval: float,
    version: str | None,
    names: tuple[str, ...],
    advertise: str | None,
) -> None:
    """Serve the modules of FILE_OR_ENTRY_POINT as remote modules (docs/remote-modules.md)."""
    serve(
        target,
        host=host,
        port=port,
        register=register_url,
        token=token,
        interval=interval,
        version=version,
        names=names,
        advertise=advertise,
    )
