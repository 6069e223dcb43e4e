"""The `dataops` command: validate, run, list modules, scaffold a module, start the UI.

Imports stay inside the commands so `dataops validate` does not pay for Dagster's start-up.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from dataops.cli.serve_module import serve_module
from dataops.errors import DataOpsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """DataOps: tabular data flowcharts compiled to Dagster jobs."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Also fail on plugin problems and on duplicate flowchart names (for CI).")
def validate(files: tuple[Path, ...], strict: bool) -> None:
    """Check flowchart FILES (default: every file in $DATAOPS_FLOWCHARTS) without running them."""
    from dataops.cli.validate import validate_files

    sys.exit(validate_files(list(files), strict=strict))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NODE.PARAM=VALUE",
    help="Override one param for this run (repeatable); VALUE is YAML.",
)
def run(file: Path, overrides: tuple[str, ...]) -> None:
    """Validate, compile and execute FILE against the Dagster instance of $DAGSTER_HOME.

    In the warm run server when one runs (`dataops warm`), else in this process, which then
    starts one in the background for the next runs.
    """
    from dataops import warm_client

    code = warm_client.run_cli(str(file), list(overrides))
    if code is None:
        from dataops.cli.run import run_file

        code = run_file(file, list(overrides))
        warm_client.start_for_next_runs()
        _exit_now(code)
    sys.exit(code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable: every module with its params JSON Schema.")
def modules(as_json: bool) -> None:
    """List the registered modules by category."""
    from dataops.cli.modules import describe_modules, print_modules

    if as_json:
        click.echo(json.dumps(describe_modules(), ensure_ascii=False, indent=2))
    else:
        print_modules()


@main.command("new-module")
@click.argument("name")
def new_module(name: str) -> None:
    """Write a plugin module NAME and its test into $DATAOPS_PLUGINS (exit 1: a file or module exists, 2: bad name)."""
    from dataops.cli.scaffold import new_module as scaffold
    from dataops.settings import get_settings

    sys.exit(scaffold(name, get_settings().plugins))


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": ["--help"]}
)
@click.pass_context
def dev(ctx: click.Context) -> None:
    """Start the Dagster UI and daemon on the flowcharts, and the editor (extra args go to `dagster dev`)."""
    from dataops.cli.dev import start_dev

    sys.exit(start_dev(list(ctx.args)))


@main.group()
def warm() -> None:
    """A background server that keeps the imports warm for `dataops run` (about 1.7 s less per run)."""


@warm.command("start")
def warm_start() -> None:
    """Start the warm run server in the background (no-op when one is running)."""
    from dataops import warm_client as server

    path = server.socket_path()
    try:
        click.echo(f"warm run server: pid {server.start(path)} on {path}")
    except server.Unavailable as exc:
        raise click.ClickException(str(exc)) from None


@warm.command("status")
def warm_status() -> None:
    """Say whether a warm run server is running (exit 0) or not (exit 1)."""
    from dataops import warm_client as server

    path = server.socket_path()
    pid = server.status(path)
    click.echo(f"warm run server: pid {pid} on {path}" if pid else f"warm run server: not running ({path})")
    sys.exit(0 if pid else 1)


@warm.command("stop")
def warm_stop() -> None:
    """Stop the warm run server; `dataops run` then runs in its own process."""
    from dataops import warm_client as server

    path = server.socket_path()
    pid = server.stop(path)
    click.echo(f"warm run server: stopped pid {pid}" if pid else "warm run server: not running")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--record", is_flag=True, help="Keep FILE's current text as a version (e.g. after editing it by hand).")
@click.option("--revert", metavar="VERSION", help="Write VERSION back to FILE (kept as a new version).")
def history(file: Path, record: bool, revert: str | None) -> None:
    """The saved versions of flowchart FILE, newest first, each with what it changed (nodes, params, edges)."""
    from dataops.cli.history import show_history

    sys.exit(show_history(file, record=record, revert=revert))


@main.command()
@click.option("--host", help="Interface to bind (default 127.0.0.1; elsewhere DATAOPS_EDITOR_TOKEN is required).")
@click.option("--port", type=int, help="Port (default 3001, or DATAOPS_EDITOR_PORT).")
def editor(host: str | None, port: int | None) -> None:
    """Start the flowchart editor alone (Dagster at $DATAOPS_DAGSTER_URL)."""
    from dataops.editor.server import serve

    serve(host, port)


@main.command()
@click.option(
    "--url", envvar="DATAOPS_DAGSTER_URL", default="http://127.0.0.1:3000", show_default=True, help="Dagster UI."
)
def reload(url: str) -> None:
    """Reload the code locations of a running Dagster UI (`dataops dev` does it on file changes)."""
    from dataops.hotplug import reload_locations

    outcome = reload_locations(url)
    for name, status in outcome.items():
        click.echo(f"{name}: {status}")
    sys.exit(0 if all(status == "ok" for status in outcome.values()) else 1)


main.add_command(serve_module)


def _exit_now(code: int) -> NoReturn:
    """End a cold run's process without Python's teardown of all that the run imported (about 1 s
    on two cores, longer than many runs): the run's records are committed and its files written
    and closed by now; only the output streams and logging need flushing."""
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def cli(args: list[str] | None = None) -> None:
    """The `dataops` entry point (ARGS default to the command line); always ends in SystemExit."""
    try:
        main(args=args, standalone_mode=True)
    except DataOpsError as exc:  # a user mistake that escaped a command: message only
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    cli()
