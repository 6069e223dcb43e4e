"""Where a flowchart may make the server connect: the outbound policy for notification and database URLs.

Always refused: link-local and cloud metadata addresses (by name, by address, and by what a name
resolves to) and schemes that deliver on this machine (files, desktop notifications, syslog).
The operator may narrow further with `DATAOPS_OUTBOUND_HOSTS` and `DATAOPS_OUTBOUND_SCHEMES`.
A name is resolved when checked: a host that cannot be resolved cannot be reached either (for
dingtalk://TOKEN and the like the "host" is a token), so it is not refused here.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from urllib.parse import parse_qs, urlsplit

from dataops.settings import Settings, get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "169.254.0.0/16",  # link-local: AWS, GCP, Azure, OCI, OpenStack metadata at 169.254.169.254
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
    )
)
BLOCKED_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
# Apprise schemes that act on this machine rather than send over the network.
LOCAL_SCHEMES = frozenset({"file", "dbus", "kde", "qt", "glib", "gnome", "macosx", "windows", "syslog", "blink1"})
# Apprise URL options that name a second host to connect to (the mail server of mailto://).
_HOST_OPTIONS = ("smtp",)


def scheme_problem(scheme: str, settings: Settings | None = None) -> str | None:
    """Why a URL of this scheme may not be used, or None."""
    settings = settings or get_settings()
    scheme = scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return f"{scheme}:// acts on the server itself and is not allowed; use a network service (json://, mailtos://, ...)"
    if settings.outbound_schemes and scheme not in {s.lower() for s in settings.outbound_schemes}:
        return (
            f"{scheme}:// is not in DATAOPS_OUTBOUND_SCHEMES ({', '.join(settings.outbound_schemes)}); "
            "ask the operator to add it"
        )
    return None


def host_problem(host: str, settings: Settings | None = None) -> str | None:
    """Why the server may not connect to `host` (checked by name and by every address it resolves to), or None."""
    settings = settings or get_settings()
    name = host.strip("[]").rstrip(".").lower()
    if name in BLOCKED_NAMES:
        return f"host '{host}' is a cloud metadata service; flowcharts may not reach it"
    literal = _address(name)
    addresses = [literal] if literal is not None else _resolve(name)
    for address in addresses:
        if _blocked(address):
            shown = "" if literal is not None else f" resolves to {address}, which"
            return f"host '{host}'{shown} is a link-local or cloud metadata address; flowcharts may not reach it"
    if settings.outbound_hosts and addresses and not _listed(name, addresses, settings.outbound_hosts):
        return (
            f"host '{host}' is not in DATAOPS_OUTBOUND_HOSTS ({', '.join(settings.outbound_hosts)}); "
            "ask the operator to add it"
        )
    return None


def notification_problem(url: str, settings: Settings | None = None) -> str | None:
    """Why the notification URL may not be used (its scheme, its host, a mail server it names), or None."""
    parts = urlsplit(url)
    problem = scheme_problem(parts.scheme, settings)
    if problem:
        return problem
    hosts = [parts.hostname] if parts.hostname else []
    options = parse_qs(parts.query)
    hosts += [value.split(":")[0] for key in _HOST_OPTIONS for value in options.get(key, [])]
    for host in hosts:
        problem = host_problem(host, settings)
        if problem:
            return problem
    return None


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.split("%")[0])  # fe80::1%eth0
    except ValueError:
        return None


def _resolve(name: str) -> list[Address]:
    try:
        infos = socket.getaddrinfo(name, None)
    except (OSError, UnicodeError):
        return []
    found = (_address(str(info[4][0])) for info in infos)
    return list(dict.fromkeys(a for a in found if a is not None))


def _blocked(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in BLOCKED_NETWORKS)


def _listed(name: str, addresses: list[Address], patterns: list[str]) -> bool:
    """A name matching a listed name or *.domain, or every address inside listed addresses or networks."""
    networks = []
    for pattern in patterns:
        try:
            networks.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
        except ValueError:
            if fnmatch.fnmatchcase(name, pattern.lower()):
                return True
    return bool(networks) and all(any(a in n for n in networks if a.version == n.version) for a in addresses)
