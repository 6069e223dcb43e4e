"""Reading what a run did: its id from `dataops run`, its step events from the instance."""

from __future__ import annotations

import subprocess

import dagster as dg


def run_id_of(result: subprocess.CompletedProcess[str]) -> str:
    """The run id `dataops run` prints on its first line."""
    return result.stdout.split(" run ", 1)[1].split()[0]


def step_events(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(event type, step key) of every step event of a run, in order."""
    records = instance.get_records_for_run(run_id, limit=10_000).records
    return [
        (entry.dagster_event.event_type_value, entry.dagster_event.step_key)
        for entry in (record.event_log_entry for record in records)
        if entry.dagster_event is not None and entry.dagster_event.step_key
    ]
