"""Fixtures shared by the tests of auditor/: the store on SQLite and PostgreSQL, and a
real SMTP server for the emails."""

from tests.auditor.stores import store, store_url  # noqa: F401
from tests.notifiers.conftest import smtp_server  # noqa: F401
