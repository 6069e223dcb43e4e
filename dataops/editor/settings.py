"""Editor limits and address checks; its configuration is part of `dataops.settings.Settings`."""

from __future__ import annotations

import ipaddress

# Flowchart documents are limited to 10 MB by the validator; leave room for JSON overhead.
MAX_JSON_BODY = 12 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """True for localhost and any 127.0.0.0/8 or ::1 address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
