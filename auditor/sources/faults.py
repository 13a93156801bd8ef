"""Why a source database could not be read, and what to do, in plain English.

The driver's message (psycopg's, sqlite3's) is kept, first line only (the SQL and its
parameters are left out); a known cause adds its remedy. Drivers never put the password
in these messages, and the URL is always shown with it hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Cause:
    signs: tuple[str, ...]  # lower-case fragments of the driver's message: any of them
    remedy: str  # {table}: the table being read, where there is one
    also: str = ""  # a fragment the message must hold as well
    remedy_before_a_table: str = ""  # the remedy when no table was being read, if other

    def matches(self, message: str) -> bool:
        return self.also in message and any(sign in message for sign in self.signs)


CAUSES = (
    Cause(
        ("permission denied", "insufficient privilege", "must be owner"),
        "grant the URL's user SELECT on {table} (Auditor only reads)",
        remedy_before_a_table="grant the URL's user CONNECT on the database, USAGE on its "
        "schema and SELECT on the contract's tables (Auditor only reads)",
    ),
    Cause(
        ("password authentication failed", "no password supplied", "authentication failed"),
        "check the user name in [source] url and the password in the environment "
        "variable named by [source] password_env (default AUDITOR_SOURCE_PASSWORD)",
    ),
    Cause(
        ('database "',),
        "check the database name at the end of [source] url",
        also="does not exist",
    ),
    Cause(('role "',), "check the user name in [source] url", also="does not exist"),
    Cause(
        (
            "server closed the connection",
            "terminating connection",
            "consuming input failed",
            "connection is lost",
            "connection is closed",
            "connection reset",
            "broken pipe",
            "eof detected",
        ),
        "the connection was lost while reading {table}; once the server is reachable again, "
        "run again (nothing was stored from this read)",
    ),
    Cause(
        (
            "connection refused",
            "could not connect",
            "connection failed",
            "timeout expired",
            "could not translate host name",
            "name or service not known",
            "no route to host",
        ),
        "check the host and port in [source] url, that the database server is running, "
        "and that it accepts connections from this machine",
    ),
    Cause(
        ("file is not a database", "database disk image is malformed"),
        "[source] url must name a SQLite database file; this file is not one, or is damaged",
    ),
    Cause(("database is locked",), "another program is writing the database; run again later"),
)


def explained(exc: sa.exc.SQLAlchemyError, table: str | None = None) -> str:
    """``exc`` said as "cannot be read (driver's words); what to do"."""
    original = getattr(exc, "orig", None) or exc
    words = str(original).strip().splitlines()
    reason = " ".join(line.strip() for line in words[:2]) if words else type(original).__name__
    lowered = reason.lower()
    where = f"table {table}" if table else "the database"
    for cause in CAUSES:
        if cause.matches(lowered):
            remedy = cause.remedy if table else cause.remedy_before_a_table or cause.remedy
            return f"cannot be read ({reason}); {remedy.format(table=where)}"
    return f"cannot be read ({reason}); check [source] url and that the database is reachable"
