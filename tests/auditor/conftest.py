"""Fixtures shared by the tests of auditor/: the store on SQLite and PostgreSQL."""

from tests.auditor.stores import store, store_url  # noqa: F401
