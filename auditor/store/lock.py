"""The run lock: one run at a time per store, across processes.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
  connection, keyed by the store's schema. A run that ends unlocks it before closing
  the connection (the server ends a closed session a moment later, and a run started
  in that moment would be refused); it dies with the connection, so a crashed or killed
  run never leaves it behind.
- SQLite: an exclusive ``flock`` on a file beside the database (``<db>.run-lock``,
  holding the pid of the run). The operating system drops it when the process ends,
  however it ends; the file itself stays and is harmless.
- An in-memory SQLite store: a lock within the process.

A run that cannot take the lock is refused at once (RunRefused), never queued.
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from auditor.errors import AuditorError, RunRefused

_IN_PROCESS: dict[str, threading.Lock] = {}


class StoreUnavailable(AuditorError):
    """The store's database server cannot be reached (the message says which)."""


def run_lock(engine: Engine, where: str) -> AbstractContextManager[None]:
    if engine.dialect.name == "postgresql":
        return _advisory_lock(engine, where)
    database = engine.url.database
    if database in (None, "", ":memory:"):
        return _in_process_lock(where)
    return _file_lock(lock_path(Path(database or "")), where)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".run-lock")


def _refused(where: str, holder: str = "") -> RunRefused:
    return RunRefused(
        f"another run is going on the store {where}{holder}; wait for it to finish, then try again."
    )


@contextmanager
def _advisory_lock(engine: Engine, where: str) -> Iterator[None]:
    try:
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot connect to the store {where}: {exc.orig}") from None
    try:
        schema = connection.scalar(text("SELECT current_schema()"))
        key = zlib.crc32(f"auditor run {schema}".encode())
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
            raise _refused(where)
        try:
            yield
        finally:
            _unlock(connection, key)
    finally:
        connection.invalidate()  # closing the session releases its advisory locks
        connection.close()


def _unlock(connection: Connection, key: int) -> None:
    # on a broken connection the server ends the session, and the lock with it
    with suppress(DBAPIError):
        connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _file_lock(path: Path, where: str) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip()
            raise _refused(where, f" (process {holder})" if holder else "") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        yield
        os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)  # releases the flock


@contextmanager
def _in_process_lock(where: str) -> Iterator[None]:
    held = _IN_PROCESS.setdefault(where, threading.Lock())
    if not held.acquire(blocking=False):
        raise _refused(where)
    try:
        yield
    finally:
        held.release()
