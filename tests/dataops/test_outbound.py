"""The outbound policy: metadata and link-local addresses by name, literal and resolution; local schemes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dataops.outbound import host_problem, notification_problem, scheme_problem
from dataops.settings import get_settings


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "169.254.169.254.",
        "[fe80::1]",
        "fe80::1%lo",
        "::ffff:169.254.169.254",
        "100.100.100.200",
        "fd00:ec2::254",
        "METADATA.google.internal",
        "2852039166",  # resolves to 169.254.169.254
        "0xa9fea9fe",  # so does this
    ],
)
def test_metadata_and_link_local_hosts_are_refused(host: str) -> None:
    assert "flowcharts may not reach it" in (host_problem(host) or "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "10.1.2.3", "db.internal-that-does-not-resolve"])
def test_what_a_local_user_needs_is_allowed(host: str) -> None:
    assert host_problem(host) is None


def test_an_allow_list_of_names_domains_and_networks(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATAOPS_OUTBOUND_HOSTS", "localhost,*.example.com,10.0.0.0/8")
    assert host_problem("localhost") is None and host_problem("10.9.9.9") is None
    assert host_problem("hooks.example.com") is None  # matched by name (resolving it is not needed)
    assert host_problem("127.0.0.1") == (
        "host '127.0.0.1' is not in DATAOPS_OUTBOUND_HOSTS (localhost, *.example.com, 10.0.0.0/8); "
        "ask the operator to add it"
    )
    environ.setenv("DATAOPS_OUTBOUND_HOSTS", "169.254.0.0/16")
    get_settings.cache_clear()
    assert "link-local" in (host_problem("169.254.169.254") or "")  # never allowed


def test_local_schemes_are_refused() -> None:
    for scheme in ("file", "syslog", "dbus", "windows", "macosx"):
        assert "acts on the server itself" in (scheme_problem(scheme) or "")
    assert notification_problem("json://127.0.0.1:8765/hook") is None
    assert "169.254.169.254" in (notification_problem("mailtos://u:p@example.com?smtp=169.254.169.254:25") or "")
