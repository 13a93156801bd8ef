"""The web tests' fixtures: a store on SQLite and PostgreSQL, a world of known content,
users and signed-in browsers (tests/web/stores.py)."""

from tests.web.stores import *  # noqa: F403
