"""Which errors under a run are told as store faults, and how (auditor/store/faults.py):
the faults made for real are in test_store_faults.py and test_postgres_faults.py."""

from __future__ import annotations

import errno
import sqlite3

import psycopg.errors
import pytest
from sqlalchemy import exc as sa

from auditor.store.faults import StoreFault, explained

WHERE = "sqlite:////srv/auditor/store.db"


@pytest.mark.parametrize(
    ("error", "told"),
    [
        (sa.OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full")),
         "is full: database or disk is full"),
        (sa.OperationalError("INSERT", {}, sqlite3.OperationalError(
            "attempt to write a readonly database")), "is read-only"),
        (OSError(errno.EROFS, "Read-only file system"), "is read-only"),
        (OSError(errno.ENOSPC, "No space left on device"), "is full"),
        (psycopg.errors.DiskFull("could not extend file"), "is full: could not extend file"),
        (sa.InternalError("INSERT", {}, psycopg.errors.ReadOnlySqlTransaction("read-only")),
         "is read-only"),
        (sa.ProgrammingError("INSERT", {}, psycopg.errors.InsufficientPrivilege("denied")),
         "refuses this user's writes"),
        (sa.OperationalError("SELECT", {}, psycopg.errors.AdminShutdown("terminating")),
         "went away during the run"),
        (psycopg.OperationalError("server closed the connection unexpectedly"),
         "went away during the run"),
    ],
)  # fmt: skip
def test_a_store_fault_is_told_with_the_store_and_what_to_do(error: Exception, told: str) -> None:
    with pytest.raises(StoreFault) as raised, explained(WHERE):
        raise error
    message = str(raised.value)
    assert message.startswith(f"the store {WHERE} ") and told in message, message
    assert "then run again" in message or "run again" in message
    assert "[SQL:" not in message  # one line of the cause, not SQLAlchemy's whole story


@pytest.mark.parametrize(
    "error",
    [
        sa.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        sa.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: runs")),
        OSError(errno.ENOENT, "No such file"),
        ValueError("a bug"),
    ],
)
def test_anything_else_passes_unchanged(error: Exception) -> None:
    with pytest.raises(type(error)) as raised, explained(WHERE):
        raise error
    assert raised.value is error
