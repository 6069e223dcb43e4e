"""Database URLs: `${VAR}` filled from the allowed environment, secrets masked, the outbound policy
checked once filled, SQLite files in the data root."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.optional import require
from adapters.paths import resolve_data_path
from adapters.sql_policy import url_problem, with_default_driver
from dataops import env_vars
from dataops.errors import AdapterError, Where

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
_PLACEHOLDER = "dataops-masked"  # rendered as is, unlike *** (percent-encoded in a query)
EXAMPLE = "postgresql://user:${DATAOPS_SECRET_PGPASSWORD}@host:5432/database"


@dataclass(frozen=True)
class SqlLocation:
    """A database (its URL, filled and confined) and what to read or write there."""

    url: URL
    table: str | None = None
    query: str | None = None

    def __str__(self) -> str:
        return masked(self.url)


def masked(url: URL) -> str:
    """The URL as text with the password, and query values that may be secrets (`?password=`,
    `?token=`: drivers take those too), and any value of an expandable variable, replaced by ***."""
    hidden = dict.fromkeys(_secret_keys(url), _PLACEHOLDER)
    shown = url.update_query_dict(hidden) if hidden else url
    return env_vars.mask(shown.render_as_string(hide_password=True).replace(_PLACEHOLDER, "***"))


def scrub(text: str, url: URL) -> str:
    """`text` without the URL's secrets, should a driver ever quote them back."""
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return env_vars.mask(text)


def _secret_keys(url: URL) -> list[str]:
    return [key for key in url.query if _SECRET_KEY.search(key)]


def _secrets(url: URL) -> list[str]:
    values = [url.query[key] for key in _secret_keys(url)]
    flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
    return [secret for secret in [url.password, *flat] if secret]


def database_url(template: str, root: Path, where: Where) -> URL:
    """The SQLAlchemy URL of `template`, with `${VAR}` references filled from the environment.

    The parts (user, password, host, database, query) are filled after parsing, so a password
    holding @ or / needs no escaping; a template that parses only once filled (`${DATABASE_URL}`,
    a `${PORT}`) is filled as text. Only variables the operator allows are filled
    (`dataops.env_vars`). The filled URL must pass the outbound policy (`adapters.sql_policy`):
    a supported database kind, allowed options, a host flowcharts may reach.
    """
    sqlalchemy_url = require("sqlalchemy.engine.url", package="SQLAlchemy", purpose="reading and writing databases")
    from sqlalchemy.exc import ArgumentError

    try:
        url = sqlalchemy_url.make_url(template)
    except ArgumentError:
        try:
            url = sqlalchemy_url.make_url(_fill(template, where))
        except ArgumentError:
            raise AdapterError(
                f"the url is not a database URL; expected dialect+driver://user:password@host:port/database, "
                f"e.g. {EXAMPLE} or sqlite:///warehouse.sqlite",
                where,
            ) from None
    else:
        url = url.set(
            username=_fill_part(url.username, where),
            password=_fill_part(url.password, where),
            host=_fill_part(url.host, where),
            database=_fill_part(url.database, where),
            query={
                key: tuple(_fill(v, where) for v in value) if isinstance(value, tuple) else _fill(value, where)
                for key, value in url.query.items()
            },
        )
    url = with_default_driver(url)
    problem = url_problem(url)
    if problem:
        raise AdapterError(env_vars.mask(problem), where)
    return _confine_sqlite(url, root, where) if url.get_backend_name() == "sqlite" else url


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (already confined); None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _confine_sqlite(url: URL, root: Path, where: Where) -> URL:
    """A relative SQLite path is a file in the data root; one resolving outside it is refused."""
    if url.database in (None, "", ":memory:"):
        return url
    return url.set(database=str(resolve_data_path(url.database, root, where=where)))


def _fill_part(value: str | None, where: Where) -> str | None:
    return None if value is None else _fill(value, where)


def _fill(text: str, where: Where) -> str:
    return env_vars.expand(text, where, AdapterError)
