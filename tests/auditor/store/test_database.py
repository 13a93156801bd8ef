"""Connecting to the store: SQLite's settings, the password from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from auditor.config import StoreSettings
from auditor.store import database
from auditor.store.database import Store, open_store

PG = "postgresql+psycopg://auditor@db/auditor"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path) -> None:
    opened = open_store(StoreSettings(url=f"sqlite:///{tmp_path / 'a.db'}"))
    with opened.reading() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    opened.dispose()


def test_the_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_SECRET", "s3cret")
    settings = StoreSettings(
        url="postgresql+psycopg://auditor@db/auditor", password_env="STORE_SECRET"
    )

    assert database.store_url(settings).password == "s3cret"


def test_where_never_shows_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_SECRET", "s3cret")
    settings = StoreSettings(
        url="postgresql+psycopg://auditor@db/auditor", password_env="STORE_SECRET"
    )

    opened = open_store(settings)

    assert opened.where == "postgresql+psycopg://auditor:***@db/auditor"
    opened.dispose()


def test_a_write_that_fails_rolls_back_the_whole_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.writing() as connection:
        connection.execute(
            text(
                "INSERT INTO runs (as_of, started_at, finished_at, source, status) "
                "VALUES ('2026-01-05', '2026-01-05 06:00', '2026-01-05 06:01', 'x', 'succeeded')"
            )
        )
        raise RuntimeError("crash")

    with store.reading() as connection:
        assert connection.scalar(text("SELECT count(*) FROM runs")) == 0


def test_a_sqlite_stores_folder_is_created(tmp_path: Path) -> None:
    opened = open_store(StoreSettings(url=f"sqlite:///{tmp_path / 'new' / 'a.db'}"))
    opened.upgrade()
    opened.dispose()

    assert (tmp_path / "new" / "a.db").exists()
