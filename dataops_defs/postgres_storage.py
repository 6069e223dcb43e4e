"""The deployment's instance storage: dagster-postgres on the URL as users write it.

deploy/dagster.yaml reads DATAOPS_POSTGRES_URL straight from the environment of every Dagster
process; a plain postgresql:// there would make SQLAlchemy 2.1 load psycopg 3, which is not
installed. This storage names psycopg2 first, so the variable works as written everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

from dataops.settings import psycopg2_url

if TYPE_CHECKING:  # the type of the instance's config data; no public name, not needed at run time
    from dagster._serdes import ConfigurableClassData


class DataOpsPostgresStorage(DagsterPostgresStorage):
    """`DagsterPostgresStorage` with plain postgresql:// URLs mapped to the psycopg2 driver."""

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> DataOpsPostgresStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=psycopg2_url(pg_url_from_config(config_value)),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
