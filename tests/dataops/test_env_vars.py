"""`${VAR}` expansion and masking: only allowed variables, every value masked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dataops import env_vars
from dataops.errors import AdapterError, DataOpsError, Where
from dataops.settings import get_settings


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_secret_prefix_and_listed_names_only(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATAOPS_ALLOWED_ENV", "PGPASSWORD, MY_TOKEN,DATAOPS_POSTGRES_URL")
    assert env_vars.allowed("DATAOPS_SECRET_SALES_DB")
    assert env_vars.allowed("PGPASSWORD") and env_vars.allowed("MY_TOKEN")
    assert not env_vars.allowed("DATAOPS_SECRET_") and not env_vars.allowed("HOME")
    assert not env_vars.allowed("DATAOPS_POSTGRES_URL")  # settings stay settings even when listed


def test_refusals_say_how_to_allow(environ: pytest.MonkeyPatch) -> None:
    assert env_vars.refusal("a ${HOME} b") == (
        "${HOME} is not an allowed variable; name a variable DATAOPS_SECRET_HOME instead, or have the operator "
        "allow it with DATAOPS_ALLOWED_ENV=HOME (comma-separated)"
    )
    assert env_vars.refusal("${DATAOPS_CELERY_BROKER}") == (
        "${DATAOPS_CELERY_BROKER} is not an allowed variable; DATAOPS_* variables configure the instance and are "
        "never expanded; put the secret in DATAOPS_SECRET_CELERY_BROKER and name that"
    )
    assert env_vars.refusal("no references, $HOME, ${lower_ok") is None


def test_expand_raises_the_callers_error(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATAOPS_SECRET_A", "value-a")
    assert env_vars.expand("x${DATAOPS_SECRET_A}y") == "xvalue-ay"
    with pytest.raises(AdapterError, match=r"^f › n › url: \$\{DATAOPS_SECRET_B\} refers to .* which is not set"):
        env_vars.expand("${DATAOPS_SECRET_B}", Where("f", "n", "url"), AdapterError)
    environ.setenv("PATH_LIKE", "/usr/bin")
    with pytest.raises(DataOpsError, match=r"\$\{PATH_LIKE\} is not an allowed variable"):
        env_vars.expand("${PATH_LIKE}")


def test_mask_hides_every_allowed_value_also_url_encoded(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATAOPS_SECRET_PW", "p@ss/w:rd")
    environ.setenv("DATAOPS_SECRET_SHORT", "abc")  # too short to be a secret worth garbling messages for
    environ.setenv("UNLISTED", "unlisted-value")
    text = "pw p@ss/w:rd or p%40ss%2Fw%3Ard; abc; unlisted-value"
    assert env_vars.mask(text) == "pw *** or ***; abc; unlisted-value"
