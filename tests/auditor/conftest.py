"""Fixtures shared by the tests of auditor/: the store on SQLite and PostgreSQL, a real
SMTP server for the emails, and source databases (tests.auditor.source_databases)."""

from tests.auditor.source_databases import postgres_admin, source_url  # noqa: F401
from tests.auditor.stores import store, store_url  # noqa: F401
from tests.notifiers.conftest import smtp_server  # noqa: F401
