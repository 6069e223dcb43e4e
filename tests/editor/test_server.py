"""`dataops editor` refuses a non-loopback host without a token; `dataops dev` knows Dagster's URL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dataops.cli.dev import _dagster_url
from dataops.cli.main import main


def test_a_public_host_without_token_is_refused(workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAOPS_EDITOR_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["editor", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0
    assert "set DATAOPS_EDITOR_TOKEN" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "url"),
    [
        ([], "http://127.0.0.1:3000"),
        (["-p", "3100"], "http://127.0.0.1:3100"),
        (["--port=3200", "-h", "0.0.0.0"], "http://127.0.0.1:3200"),
        (["--host", "10.1.2.3", "--port", "80"], "http://10.1.2.3:80"),
    ],
)
def test_dev_passes_dagsters_url_to_the_editor(args: list[str], url: str) -> None:
    assert _dagster_url(args) == url
