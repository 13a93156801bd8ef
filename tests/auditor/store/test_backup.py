"""Backup and restore of a SQLite store: a backup is a consistent snapshot, whole or
absent; a restore gives back exactly what was backed up, and refuses what it should."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from auditor.config import StoreSettings
from auditor.errors import RunRefused
from auditor.store import migrations
from auditor.store.backup import BackupRefused, backup, restore
from auditor.store.database import Store, open_store
from auditor.store.lock import run_lock
from auditor.store.models import Run
from tests.auditor.stores import snapshot

STARTED = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)


def sqlite_store(path: Path) -> Store:
    store = open_store(StoreSettings(url=f"sqlite:///{path}"))
    store.upgrade()
    return store


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Store]:
    store = sqlite_store(tmp_path / "auditor.db")
    add_runs(store, 1, 2)
    yield store
    store.dispose()


def add_runs(store: Store, *ids: int) -> None:
    with store.writing() as connection:
        for run_id in ids:
            connection.execute(insert(Run).values(
                id=run_id, as_of=dt.date(2026, 12, run_id), started_at=STARTED, finished_at=STARTED,
                source="test", status="succeeded"))  # fmt: skip


def run_ids(store: Store) -> list[int]:
    with store.reading() as connection:
        return list(connection.scalars(text("SELECT id FROM runs ORDER BY id")))


def test_a_restore_gives_back_exactly_what_was_backed_up(live: Store, tmp_path: Path) -> None:
    before = snapshot(live)
    size = backup(live, tmp_path / "backup.db")
    add_runs(live, 3)

    restore(live, tmp_path / "backup.db")

    assert size == (tmp_path / "backup.db").stat().st_size > 0
    assert snapshot(live) == before and run_ids(live) == [1, 2]
    assert not list(tmp_path.glob(".*partial"))


def test_a_backup_is_online_and_holds_only_what_was_committed(live: Store, tmp_path: Path) -> None:
    writer = sqlite3.connect(live.engine.url.database or "", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO runs (id, as_of, started_at, finished_at, source, status) VALUES "
        "(9, '2026-12-09', '2026-12-09 06:00', '2026-12-09 06:01', 'x', 'succeeded')"
    )

    backup(live, tmp_path / "backup.db")
    writer.execute("COMMIT")

    copy = sqlite_store(tmp_path / "backup.db")
    assert run_ids(copy) == [1, 2] and run_ids(live) == [1, 2, 9]


def test_a_backup_of_an_older_version_is_brought_up_to_date(tmp_path: Path) -> None:
    old = open_store(StoreSettings(url=f"sqlite:///{tmp_path / 'old.db'}"))
    migrations.upgrade(old.engine, "0003")
    backup(old, tmp_path / "old-backup.db")
    live = sqlite_store(tmp_path / "auditor.db")

    revision = restore(live, tmp_path / "old-backup.db")

    assert revision == "0003"
    assert migrations.current_revision(live.engine) == migrations.head_revision()
    assert migrations.schema_differences(live.engine) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "is not a file"),
        (lambda p: p.write_bytes(b"not a database at all " * 100), "is not a SQLite database"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(),
         "is not an Auditor store"),
        (lambda p: _with_revision(p, "9999"), r"comes from a newer Auditor \(migration 9999\)"),
    ],
)  # fmt: skip
def test_a_restore_refuses_what_is_not_a_backup_and_changes_nothing(
    live: Store, tmp_path: Path, make: object, message: str
) -> None:
    source = tmp_path / "source.db"
    make(source)  # type: ignore[operator]
    before = snapshot(live)

    with pytest.raises(BackupRefused, match=message):
        restore(live, source)

    assert snapshot(live) == before


def _with_revision(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))


def test_a_restore_is_refused_while_a_run_holds_the_lock(live: Store, tmp_path: Path) -> None:
    backup(live, tmp_path / "backup.db")
    add_runs(live, 3)

    with run_lock(live.engine, live.where), pytest.raises(RunRefused):
        restore(live, tmp_path / "backup.db")

    assert run_ids(live) == [1, 2, 3]


def test_a_backup_refuses_to_overwrite_or_copy_onto_itself(live: Store, tmp_path: Path) -> None:
    (tmp_path / "taken.db").write_text("keep me")

    with pytest.raises(BackupRefused, match="exists: choose a new file, or add --force"):
        backup(live, tmp_path / "taken.db")
    with pytest.raises(BackupRefused, match="is the store itself"):
        backup(live, Path(live.engine.url.database or ""))
    with pytest.raises(BackupRefused, match="is not a folder"):
        backup(live, tmp_path / "missing" / "backup.db")

    assert (tmp_path / "taken.db").read_text() == "keep me"
    backup(live, tmp_path / "taken.db", overwrite=True)
    assert run_ids(sqlite_store(tmp_path / "taken.db")) == [1, 2]


def test_postgresql_and_in_memory_stores_are_refused_with_what_to_do_instead(
    tmp_path: Path,
) -> None:
    postgres = Store(open_store(StoreSettings(url="postgresql+psycopg://u@127.0.0.1:1/x")).engine,
                     "postgres")  # fmt: skip
    memory = open_store(StoreSettings(url="sqlite://"))

    with pytest.raises(BackupRefused, match="pg_dump --format=custom"):
        backup(postgres, tmp_path / "x.db")
    with pytest.raises(BackupRefused, match="pg_restore"):
        restore(postgres, tmp_path / "x.db")
    with pytest.raises(BackupRefused, match="in memory"):
        backup(memory, tmp_path / "x.db")
