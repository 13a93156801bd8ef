"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests need AUDITOR_TEST_POSTGRES_URL (.ci/run starts a server and sets it);
they are skipped when it is unset. Each test gets its own schema (through the
connection's search_path), dropped afterwards, so tests are independent.

tests/auditor/conftest.py makes the fixtures available to every test under tests/auditor.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from auditor.config import StoreSettings
from auditor.store.database import Store, open_store
from auditor.store.models import Base

POSTGRES_URL = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="AUDITOR_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL or "")
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL or "").update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store at the latest schema."""
    opened = open_store(StoreSettings(url=store_url))
    opened.upgrade()
    yield opened
    opened.dispose()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: for before/after comparisons."""
    contents = {}
    with store.reading() as connection:
        for table in Base.metadata.sorted_tables:
            ordered = select(table).order_by(*table.primary_key.columns)
            contents[table.name] = [tuple(row) for row in connection.execute(ordered)]
        version = connection.execute(text("SELECT version_num FROM alembic_version"))
        contents["alembic_version"] = [tuple(row) for row in version]
    return contents
