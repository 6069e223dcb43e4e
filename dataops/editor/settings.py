"""Editor limits and address checks; its configuration is part of `dataops.settings.Settings`."""

from __future__ import annotations

import ipaddress

# Request bodies (a flowchart document or params as JSON); the flowchart itself is limited to
# `dataops.spec.loader.MAX_BYTES` as saved, which the save checks on the file it would write.
MAX_JSON_BODY = 12 * 1024 * 1024
# A probe reads the file in a child process with these limits (`isolation.run_isolated`), at most
# PROBE_WORKERS at a time: a file that aborts, hangs or exhausts the reader fails alone.
PROBE_SECONDS = 60.0
PROBE_MEMORY = 4 << 30
PROBE_WORKERS = 2


def is_loopback(host: str) -> bool:
    """True for localhost and any 127.0.0.0/8 or ::1 address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
