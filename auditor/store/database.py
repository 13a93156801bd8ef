"""Connecting to the store: the engine, its transactions, the run lock, the schema.

The only place that opens database connections (STYLE.md rule 4). SQLite (one file, in
WAL mode, foreign keys on) is the default; PostgreSQL is supported. The store's
password comes from the environment variable named by ``[store] password_env``.

Transactions: ``reading()`` for reads; ``writing()`` for writes, which takes the
store's write lock at BEGIN so that what a transaction reads cannot change under it
before it commits (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL, with ``exclusive=True``:
``LOCK TABLE exceptions``, which people's triage updates wait for).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from auditor.config import StoreSettings, secret
from auditor.keepalives import with_keepalives
from auditor.store import faults, lock, migrations

SQLITE_BUSY_TIMEOUT_SECONDS = 60
_WRITE = "auditor_write"  # execution option: this transaction writes


@dataclass(frozen=True)
class Store:
    """An open store. ``where`` names it without its password, for messages."""

    engine: Engine
    where: str

    def reading(self) -> AbstractContextManager[Connection]:
        return _transaction(self.engine, write=False)

    def writing(self, exclusive: bool = False) -> AbstractContextManager[Connection]:
        """A write transaction; ``exclusive`` also keeps other writers out of the
        exceptions until it commits (a run's reconcile-and-store)."""
        return _transaction(self.engine, write=True, exclusive=exclusive)

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Held for a whole run: a second run, in any process, is refused (RunRefused).
        The store failing under the run (full, read-only, gone) is raised as
        faults.StoreFault, with a message saying what to do."""
        with faults.explained(self.where), lock.run_lock(self.engine, self.where):
            yield

    def upgrade(self) -> None:
        """Create the tables or bring them to the latest migration, in a write
        transaction: one process at a time."""
        with self.writing() as connection:
            migrations.upgrade_in(connection)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings: StoreSettings) -> Store:
    """The configured store (a SQLite file's folder is created if need be)."""
    url = store_url(settings)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    return Store(store_engine(url), url.render_as_string(hide_password=True))


def store_url(settings: StoreSettings) -> URL:
    """The configured URL, with the password from the environment when one is set."""
    url = make_url(settings.url)
    password = secret(settings.password_env)
    if password and url.password is None and url.get_backend_name() != "sqlite":
        url = url.set(password=password)
    return url


def store_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(with_keepalives(url), pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    file_backed = url.database not in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if file_backed:
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a commit
            # is still atomic and survives the process being killed, and only a power
            # cut or an OS crash can lose the latest ones. It makes the email ledger's
            # two commits per email (about 1,500 on a national run) cheap.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def _transaction(engine: Engine, write: bool, exclusive: bool = False) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection = connection.execution_options(**{_WRITE: write})
        with connection.begin():
            if exclusive and engine.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE exceptions IN SHARE ROW EXCLUSIVE MODE"))
            yield connection
