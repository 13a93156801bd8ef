"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from auditor.config import StoreSettings
from auditor.store import migrations
from auditor.store.database import Store, open_store
from auditor.store.migrations import StoreTooNew
from auditor.store.models import Base


def test_upgrade_creates_every_table_at_the_head_revision(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())

    assert {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"} == tables
    assert migrations.current_revision(store.engine) == migrations.head_revision()


def test_the_models_and_the_migrations_agree(store: Store) -> None:
    assert migrations.schema_differences(store.engine) == []


def test_upgrading_an_up_to_date_store_changes_nothing(store: Store) -> None:
    store.upgrade()

    assert migrations.schema_differences(store.engine) == []


def test_downgrade_to_base_removes_the_tables(store_url: str) -> None:
    opened = open_store(StoreSettings(url=store_url))
    opened.upgrade()

    with opened.engine.begin() as connection:
        command.downgrade(migrations.alembic_config(connection), "base")

    assert set(inspect(opened.engine).get_table_names()) == {"alembic_version"}
    opened.dispose()


def test_the_migrations_ship_in_the_package() -> None:
    versions = migrations.HERE / "versions"

    assert (migrations.HERE / "env.py").exists()
    assert (versions / "__init__.py").exists()  # so setuptools packages the scripts
    assert any(versions.glob("0001_*.py"))


def test_a_store_from_a_newer_auditor_is_refused_not_downgraded(store: Store) -> None:
    with store.writing() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")

    with pytest.raises(StoreTooNew, match=r"at migration 9999, which this version .* does not"):
        store.upgrade()

    assert migrations.current_revision(store.engine) == "9999"
