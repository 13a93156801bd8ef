"""The store failing under a run, told as what happened and what to do (issue 12).

``explained(where)`` wraps a whole run (``Store.run_lock``): a database error that means
the store is full, read-only, refusing writes to its user or gone (its server restarted
or unreachable) is raised again as ``StoreFault``, an AuditorError, so that `auditor
run` and `auditor notify` print one message naming the store and exit 2 with no
traceback, and `auditor serve`'s scheduler logs it and carries on. The run's
transaction was rolled back by then: a run that failed before its commit stored
nothing and sent no email (emails go only after the commit), and running it again once
the store is fixed completes it.
Any other error passes through unchanged.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from auditor.errors import AuditorError

NOTHING_STORED = "Nothing is half-written (what was not committed was rolled back)"
FULL = (
    "the store {where} is full: {cause}. {stored}; free space on its disk (or raise "
    "its quota), then run again."
)
READ_ONLY = (
    "the store {where} is read-only: {cause}. {stored}; make it writable (a SQLite "
    "file and its folder; on PostgreSQL default_transaction_read_only and the user's "
    "rights), then run again."
)
REFUSED = (
    "the store {where} refuses this user's writes: {cause}. {stored}; grant the user "
    "of [store] url the rights on Auditor's tables (or use their owner), then run again."
)
GONE = (
    "the store {where} went away during the run: {cause}. {stored}; when its server "
    "answers again, run again: the rerun completes the run and emails each recipient once."
)
SQLITE_MARKS = {
    "database or disk is full": FULL,
    "attempt to write a readonly database": READ_ONLY,
    "disk i/o error": GONE,
    "unable to open database file": READ_ONLY,
}
POSTGRES_CLASSES = {"53": FULL, "25006": READ_ONLY, "42501": REFUSED, "08": GONE, "57P": GONE}
OS_ERRORS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY,
             errno.EACCES: READ_ONLY, errno.EPERM: READ_ONLY}  # fmt: skip


class StoreFault(AuditorError):
    """The store cannot take the run's writes (the message says why and what to do)."""


@contextmanager
def explained(where: str) -> Iterator[None]:
    """Store faults inside the block raised again as StoreFault; the rest unchanged."""
    try:
        yield
    except DBAPIError as exc:
        template = _driver_fault(exc.orig) or (GONE if exc.connection_invalidated else None)
        if template is None:
            raise
        raise StoreFault(_told(template, where, _first_line(exc.orig))) from exc
    except OSError as exc:  # the run lock's file beside a SQLite store
        template = OS_ERRORS.get(exc.errno or 0)
        if template is None:
            raise
        raise StoreFault(_told(template, where, str(exc))) from exc
    except Exception as exc:  # the driver's own, from a raw cursor (the bulk COPY)
        template = _driver_fault(exc)
        if template is None:
            raise
        raise StoreFault(_told(template, where, _first_line(exc))) from exc


def _driver_fault(error: BaseException | None) -> str | None:
    """The message for a psycopg or sqlite3 error that is a store fault, or None."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return next((t for p, t in POSTGRES_CLASSES.items() if sqlstate.startswith(p)), None)
    if isinstance(error, sqlite3.Error):
        message = str(error).lower()
        return next((t for mark, t in SQLITE_MARKS.items() if mark in message), None)
    if type(error).__module__.startswith("psycopg") and type(error).__name__ == "OperationalError":
        return GONE  # the connection broke: no reply, so no SQLSTATE
    return None


def _told(template: str, where: str, cause: str) -> str:
    return template.format(where=where, cause=cause.rstrip("."), stored=NOTHING_STORED)


def _first_line(error: BaseException | None) -> str:
    text = str(error or "").strip()
    return text.splitlines()[0] if text else type(error).__name__
