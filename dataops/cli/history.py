"""`dataops history FILE`: the versions the editor and the CLI kept of a flowchart, with what each changed;
`--record` keeps the file's text as a version, `--revert VERSION` writes one back."""

from __future__ import annotations

from pathlib import Path

import click

from dataops import history


def show_history(file: Path, *, record: bool, revert: str | None) -> int:
    """Exit 0 done, 1 no such version, 2 neither the file nor a history of it exists."""
    if not file.is_file() and not history.versions(file):
        click.echo(f"error: no such file: {file} (and no history of it in {history.folder_of(file)})", err=True)
        return 2
    if record:
        text = file.read_text(encoding="utf-8-sig")
        kept = history.record(file, text, "cli")
        click.echo(f"recorded {kept.id}" if kept else f"{file} is unchanged since its newest version")
    if revert is not None:
        try:
            target, version = history.revert(file, revert)
        except KeyError as exc:
            click.echo(f"error: {exc.args[0]}", err=True)
            return 1
        click.echo(f"reverted {target} to {revert} (recorded as {version.id})")
        return 0
    if record:
        return 0
    log = history.log(file)
    if not log:
        click.echo(f"{file}: no versions yet (the editor keeps one at each save; `--record` keeps one now)")
    for version, changes in log:
        click.echo(f"{version.id}  {version.time:%Y-%m-%d %H:%M:%S} UTC  {version.source}")
        for line in changes or ["(no change to nodes, params or edges)"]:
            click.echo(f"    {line}")
    return 0
