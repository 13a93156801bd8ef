"""PostgreSQL connections of the store and of a database source notice a silent network
(libpq keepalives and timeouts), unless the URL sets its own."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from auditor.config import StoreSettings
from auditor.keepalives import KEEPALIVES, with_keepalives
from auditor.store.database import open_store


def test_a_postgresql_url_gains_the_keepalives_it_does_not_set() -> None:
    url = make_url("postgresql+psycopg://reader@replica/ndelius?keepalives_idle=5")

    given = with_keepalives(url)

    assert given.query == KEEPALIVES | {"keepalives_idle": "5"}
    assert (given.host, given.database, given.username) == ("replica", "ndelius", "reader")


def test_a_sqlite_url_is_left_as_it_is() -> None:
    url = make_url("sqlite:///auditor.db")

    assert with_keepalives(url) is url


@pytest.mark.postgres
def test_the_stores_connections_carry_the_keepalives() -> None:
    server = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("needs AUDITOR_TEST_POSTGRES_URL")
    store = open_store(StoreSettings(url=server))
    try:
        with store.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            parameters = raw.info.get_parameters()  # type: ignore[union-attr]
    finally:
        store.dispose()

    assert {k: parameters.get(k) for k in KEEPALIVES} == KEEPALIVES
    assert "keepalives" not in store.where  # messages name the store as configured
