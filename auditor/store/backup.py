"""Backing up and restoring a SQLite store, while `auditor serve` keeps running.

Both use SQLite's online backup API (``sqlite3.Connection.backup``): pages are copied
under a read transaction of the source, so a backup taken during a run or while people
work the list is a consistent snapshot, and a restore replaces the live database in one
step (readers see the old store or the new one, never a mixture).

- **backup**: written to a temporary file beside the destination, checked with
  ``PRAGMA integrity_check``, then renamed into place: a backup file is whole or absent.
- **restore**: refused unless the file is an intact SQLite database holding an Auditor
  store (an ``alembic_version`` of this version's migrations or older), and refused
  while a run holds the run lock. A store from an older version is brought up to date
  by the migrations afterwards.

PostgreSQL has its own tools (``pg_dump`` and ``pg_restore``; the README's "Operating
Auditor" section shows them): these refuse a PostgreSQL store with that advice.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from auditor.errors import AuditorError
from auditor.store import migrations
from auditor.store.database import Store
from auditor.store.lock import run_lock

PG_ADVICE = (
    "the store is PostgreSQL: back it up with pg_dump --format=custom --file=auditor.dump "
    "<database> and restore it with pg_restore --clean --if-exists --dbname=<database> "
    "auditor.dump (README, 'Operating Auditor')"
)


class BackupRefused(AuditorError):
    """A backup or restore that cannot be made (the message says why and what to do)."""


def backup(store: Store, destination: Path, overwrite: bool = False) -> int:
    """Copy the store to ``destination``; returns the size in bytes."""
    database = _sqlite_file(store.engine)
    if destination.resolve() == database.resolve():
        raise BackupRefused(f"{destination} is the store itself: choose another file")
    if destination.exists() and not overwrite:
        raise BackupRefused(f"{destination} exists: choose a new file, or add --force")
    if not destination.parent.is_dir():
        raise BackupRefused(f"{destination.parent} is not a folder: create it first")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        _copy(_connect(database), _connect(partial, create=True))
        _check_intact(partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def restore(store: Store, source: Path) -> str:
    """Replace the store's contents with the backup ``source``; returns the backup's
    migration revision (the store is then brought to this version's head)."""
    database = _sqlite_file(store.engine)
    if not source.is_file():
        raise BackupRefused(f"{source} is not a file: give the path of a backup")
    _check_intact(source)
    revision = _revision(source)
    with run_lock(store.engine, store.where):  # no run may write meanwhile
        store.engine.dispose()  # this process's pooled connections see the new file
        _copy(_connect(source, read_only=True), _connect(database))
    store.upgrade()
    return revision


def _sqlite_file(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite":
        raise BackupRefused(PG_ADVICE)
    name = engine.url.database
    if not name or name == ":memory:":
        raise BackupRefused("the store is in memory: there is nothing on disk to back up")
    return Path(name)


def _connect(path: Path, create: bool = False, read_only: bool = False) -> sqlite3.Connection:
    mode = "ro" if read_only else ("rwc" if create else "rw")
    try:
        return sqlite3.connect(f"file:{path}?mode={mode}", uri=True)
    except sqlite3.Error as exc:
        raise BackupRefused(f"cannot open {path}: {exc}") from exc


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    with contextlib.closing(source), contextlib.closing(target):
        try:
            source.backup(target, pages=1024)
        except sqlite3.Error as exc:
            raise BackupRefused(f"the copy failed: {exc}; nothing was replaced") from exc


def _check_intact(path: Path) -> None:
    try:
        with contextlib.closing(_connect(path, read_only=True)) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{path} is not a SQLite database ({exc})") from exc
    if verdict is None or verdict[0] != "ok":
        raise BackupRefused(f"{path} is damaged (integrity check: {verdict}); use another")


def _revision(path: Path) -> str:
    """The backup's migration revision, refused when it is not an Auditor store or comes
    from a newer version of Auditor than this one."""
    try:
        with contextlib.closing(_connect(path, read_only=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        raise BackupRefused(f"{path} is not an Auditor store (it has no alembic_version)")
    revision = str(row[0])
    if revision not in migrations.known_revisions():
        raise BackupRefused(f"{path} comes from a newer Auditor (migration {revision}): "
                            "upgrade Auditor first, then restore it")  # fmt: skip
    return revision
